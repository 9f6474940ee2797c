package deepimage.imagej;

/** A problem to tell the user in one line: the CLI's own "error: ..." message, or the plugin's. */
final class DeepImageException extends Exception {
  private static final long serialVersionUID = 1L;

  DeepImageException(String message) {
    super(message);
  }
}
