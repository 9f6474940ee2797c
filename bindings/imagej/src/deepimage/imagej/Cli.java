package deepimage.imagej;

import ij.IJ;
import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The deepimage command line, which does all the work: the plugin only starts it, streams its
 * progress and reads its results. Found at, in order: the Java property deepimage.cli, the
 * environment variable DEEPIMAGE_CLI, deepimage/bin/deepimage in the ImageJ folder, then the PATH.
 */
final class Cli {
  /** What a finished command left: its exit code, stdout, and the last "error: ..." of stderr. */
  static final class Result {
    int exitCode;
    String out = "";
    String error = "";
    final List<String> warnings = new ArrayList<String>();
  }

  /** Receives each --progress json event and each other stderr line, on the calling thread. */
  interface Listener {
    void progress(Map<String, Object> event);

    void line(String line);
  }

  static final int EXIT_INTERRUPTED = 130;

  private Cli() {}

  static File executable() throws DeepImageException {
    List<String> tried = new ArrayList<String>();
    String configured = System.getProperty("deepimage.cli");
    if (configured == null || configured.isEmpty()) configured = System.getenv("DEEPIMAGE_CLI");
    if (configured != null && !configured.isEmpty()) {
      File f = new File(configured);
      if (f.canExecute()) return f;
      throw new DeepImageException("the deepimage command \"" + configured
          + "\" (from deepimage.cli or DEEPIMAGE_CLI) is not an executable file");
    }
    String imagej = IJ.getDirectory("imagej");
    if (imagej != null) {
      File f = new File(new File(new File(imagej, "deepimage"), "bin"), "deepimage");
      if (f.canExecute()) return f;
      tried.add(f.getPath());
    }
    String path = System.getenv("PATH");
    if (path != null) {
      for (String dir : path.split(File.pathSeparator)) {
        File f = new File(dir, "deepimage");
        if (f.canExecute()) return f;
      }
      tried.add("the PATH");
    }
    throw new DeepImageException("the deepimage command was not found (looked in " + String.join(", ", tried)
        + "); install it as docs/imagej.md says, or set DEEPIMAGE_CLI to its path");
  }

  /** Runs `deepimage args...` to the end; a set `cancel` (or Esc in ImageJ) stops it with SIGTERM. */
  static Result run(List<String> args, Listener listener, final AtomicBoolean cancel) throws DeepImageException {
    List<String> command = new ArrayList<String>();
    command.add(executable().getPath());
    command.addAll(args);
    final Process process;
    try {
      process = new ProcessBuilder(command).start();
    } catch (IOException e) {
      throw new DeepImageException("cannot start " + command.get(0) + ": " + e.getMessage());
    }
    try {
      process.getOutputStream().close();  // the CLI reads nothing from stdin
    } catch (IOException ignored) {
      // nothing to close
    }
    final ByteArrayOutputStream out = new ByteArrayOutputStream();
    Thread stdout = drain(process.getInputStream(), out);
    // The CLI stops cleanly on SIGTERM (what destroy() sends): it removes its temporary files.
    Thread watcher = new Thread(new Runnable() {
      public void run() {
        while (isAlive(process)) {
          if ((cancel != null && cancel.get()) || IJ.escapePressed()) {
            if (cancel != null) cancel.set(true);
            process.destroy();
            return;
          }
          try {
            Thread.sleep(100);
          } catch (InterruptedException e) {
            return;
          }
        }
      }
    }, "deepimage cancel watcher");
    watcher.setDaemon(true);
    watcher.start();
    Result result = new Result();
    try {
      BufferedReader err = new BufferedReader(new InputStreamReader(process.getErrorStream(), StandardCharsets.UTF_8));
      for (String line; (line = err.readLine()) != null;) {
        if (line.startsWith("{")) {
          try {
            if (listener != null) listener.progress(Json.object(Json.parse(line)));
            continue;
          } catch (IllegalArgumentException notProgress) {
            // fall through: shown as a line
          }
        }
        if (line.startsWith("error: ")) result.error = line.substring("error: ".length());
        else if (line.startsWith("warning: ")) result.warnings.add(line.substring("warning: ".length()));
        if (listener != null) listener.line(line);
      }
      result.exitCode = process.waitFor();
      stdout.join();
    } catch (IOException e) {
      // destroy() closes the pipes, so a cancelled run usually ends here; its files are in the
      // caller's temporary folder, which the caller removes.
      if (cancel != null && cancel.get()) throw new DeepImageException("cancelled: nothing was written");
      throw new DeepImageException("lost contact with deepimage: " + e.getMessage());
    } catch (InterruptedException e) {
      process.destroy();
      Thread.currentThread().interrupt();
      throw new DeepImageException("interrupted while deepimage was running");
    }
    watcher.interrupt();
    result.out = new String(out.toByteArray(), StandardCharsets.UTF_8);
    if (result.exitCode == EXIT_INTERRUPTED || (cancel != null && cancel.get()))
      throw new DeepImageException("cancelled: nothing was written");
    return result;
  }

  /** run(), with a failed exit turned into the exception, carrying the CLI's own one-line message. */
  static Result runToSuccess(List<String> args, Listener listener, AtomicBoolean cancel) throws DeepImageException {
    Result r = run(args, listener, cancel);
    if (r.exitCode != 0)
      throw new DeepImageException(r.error.isEmpty() ? "deepimage " + args.get(0) + " stopped with exit code " + r.exitCode : r.error);
    return r;
  }

  /** Runs a command whose stdout is the answer (e.g. `models --json`). */
  static String output(List<String> args) throws DeepImageException {
    return runToSuccess(args, null, null).out;
  }

  private static boolean isAlive(Process p) {
    try {
      p.exitValue();
      return false;
    } catch (IllegalThreadStateException running) {
      return true;
    }
  }

  private static Thread drain(final InputStream in, final ByteArrayOutputStream to) {
    Thread t = new Thread(new Runnable() {
      public void run() {
        byte[] buffer = new byte[8192];
        try {
          for (int n; (n = in.read(buffer)) > 0;) to.write(buffer, 0, n);
        } catch (IOException ignored) {
          // the process ended; what was read is kept
        }
      }
    }, "deepimage stdout");
    t.start();
    return t;
  }
}
