package deepimage.imagej;

import ij.IJ;
import java.awt.BorderLayout;
import java.awt.Button;
import java.awt.EventQueue;
import java.awt.Frame;
import java.awt.GraphicsEnvironment;
import java.awt.GridLayout;
import java.awt.Label;
import java.awt.Panel;
import java.awt.event.ActionEvent;
import java.awt.event.ActionListener;
import java.awt.event.WindowAdapter;
import java.awt.event.WindowEvent;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Shows a running command's progress: ImageJ's progress bar and status line always, and, when there
 * is a screen and the run is not in batch mode, a small window with elapsed time, tiles n/N, ETA,
 * memory now and peak, and a Cancel button. Cancel (or Esc) sets the flag Cli.run watches.
 */
final class Monitor implements Cli.Listener {
  final AtomicBoolean cancel = new AtomicBoolean(false);
  private final String title;
  private Frame window;
  private Label tiles, elapsed, eta, memory;

  Monitor(String title, boolean withWindow) {
    this.title = title;
    if (withWindow && !GraphicsEnvironment.isHeadless()) openWindow();
  }

  private void openWindow() {
    window = new Frame("DeepImage: " + title);
    Panel numbers = new Panel(new GridLayout(4, 2, 8, 2));
    tiles = addRow(numbers, "Tiles");
    elapsed = addRow(numbers, "Elapsed");
    eta = addRow(numbers, "Time left");
    memory = addRow(numbers, "Memory (peak)");
    Button stop = new Button("Cancel");
    stop.addActionListener(new ActionListener() {
      public void actionPerformed(ActionEvent e) {
        cancel.set(true);
      }
    });
    window.addWindowListener(new WindowAdapter() {
      public void windowClosing(WindowEvent e) {
        cancel.set(true);
      }
    });
    Panel buttons = new Panel();
    buttons.add(stop);
    window.add(numbers, BorderLayout.CENTER);
    window.add(buttons, BorderLayout.SOUTH);
    window.pack();
    window.setSize(Math.max(window.getWidth(), 360), window.getHeight());
    window.setLocationRelativeTo(null);
    window.setVisible(true);
  }

  private static Label addRow(Panel panel, String name) {
    panel.add(new Label(name + ":"));
    Label value = new Label("-");
    panel.add(value);
    return value;
  }

  /** The monitor window, for screenshots; null without one. */
  Frame window() {
    return window;
  }

  public void progress(Map<String, Object> e) {
    final long done = (long) Json.number(e, "tiles_done", 0), total = (long) Json.number(e, "tiles_total", 0);
    final double seconds = Json.number(e, "elapsed_s", 0), left = Json.number(e, "eta_s", -1);
    final double rss = Json.number(e, "rss_bytes", 0), peak = Json.number(e, "peak_rss_bytes", 0);
    if (total > 0) IJ.showProgress((int) done, (int) total);
    String slices = Json.number(e, "slice_count", 1) > 1
        ? ", slice " + ((long) Json.number(e, "slice", 0) + 1) + "/" + (long) Json.number(e, "slice_count", 1) : "";
    IJ.showStatus("DeepImage " + title + ": tiles " + done + "/" + total + slices
        + (left >= 0 ? ", " + duration(left) + " left" : ""));
    if (window == null) return;
    EventQueue.invokeLater(new Runnable() {
      public void run() {
        tiles.setText(done + " / " + total);
        elapsed.setText(duration(seconds));
        eta.setText(left >= 0 ? duration(left) : "-");
        memory.setText(mib(rss) + " (" + mib(peak) + ")");
      }
    });
  }

  public void line(String line) {
    if (line.startsWith("warning: ")) IJ.log("DeepImage " + line);
  }

  void close() {
    IJ.showProgress(1.0);
    if (window != null) window.dispose();
  }

  static String duration(double s) {
    if (s < 60) return String.format(Locale.ROOT, "%.1f s", s);
    return String.format(Locale.ROOT, "%d min %02d s", (int) s / 60, (int) s % 60);
  }

  private static String mib(double bytes) {
    return String.format(Locale.ROOT, "%.0f MiB", bytes / (1 << 20));
  }
}
