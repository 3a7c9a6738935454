/**
 * The {@code attune} command line: {@link dev.attune.cli.AttuneCli} and one class per subcommand
 * ({@code import}, {@code generate}, {@code evaluate}, {@code demo}). Commands parse options (picocli),
 * call the core and print; long steps show progress bars on standard error ({@link dev.attune.cli.Progress}).
 *
 * <p>Client mistakes (bad options, missing files, malformed data) end with a one-line message and exit
 * code 2, never a stack trace. Start reading at {@link dev.attune.cli.AttuneCli}.
 */
package dev.attune.cli;
