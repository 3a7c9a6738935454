package dev.attune.store;

/**
 * Another process for the serving-claim tests: opens the store at {@code args[0]}, tries the claim, prints
 * {@code held} or {@code refused}, and keeps it until killed or its standard input ends.
 */
final class ServingLockHolder {

  private ServingLockHolder() {}

  public static void main(String[] args) throws Exception {
    try (Store store = Store.open(args[0])) {
      java.util.Optional<Store.ServingLock> claim = store.tryLockForServing();
      System.out.println(claim.isPresent() ? "held" : "refused");
      System.out.flush();
      while (System.in.read() >= 0) {
        // hold the claim
      }
    }
  }
}
