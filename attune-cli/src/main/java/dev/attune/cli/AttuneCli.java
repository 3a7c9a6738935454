package dev.attune.cli;

/** Placeholder replaced below. */
public final class AttuneCli {
  public static void main(String[] args) {}
}
