package deepimage.imagej;

import ij.IJ;
import ij.Macro;
import ij.macro.Interpreter;
import java.awt.GraphicsEnvironment;

/**
 * How a command ends, where a macro can read it: getInfo("deepimage.status") is "ok" or "error" and
 * getInfo("deepimage.error") the one-line message (empty after success). Errors also go to the Log.
 * A dialog opens only when a person started the command: in a macro, batch mode or headless
 * ImageJ a modal dialog would hang the run.
 */
final class Report {
  static final String STATUS = "deepimage.status";
  static final String ERROR = "deepimage.error";

  private Report() {}

  static boolean interactive() {
    return Macro.getOptions() == null && !Interpreter.isBatchMode() && !GraphicsEnvironment.isHeadless();
  }

  static void started() {
    System.setProperty(STATUS, "running");
    System.setProperty(ERROR, "");
  }

  static void ok() {
    System.setProperty(STATUS, "ok");
    System.setProperty(ERROR, "");
  }

  static void error(String message) {
    System.setProperty(STATUS, "error");
    System.setProperty(ERROR, message);
    IJ.log("DeepImage error: " + message);
    IJ.showStatus("DeepImage: " + message);
    IJ.showProgress(1.0);
    if (interactive()) IJ.error("DeepImage", message);
  }
}
