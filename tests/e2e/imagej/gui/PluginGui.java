import ij.IJ;
import ij.ImageJ;
import ij.ImagePlus;
import ij.WindowManager;
import ij.gui.GenericDialog;
import ij.plugin.frame.Recorder;
import java.awt.Button;
import java.awt.Choice;
import java.awt.Component;
import java.awt.Container;
import java.awt.EventQueue;
import java.awt.Frame;
import java.awt.Label;
import java.awt.List;
import java.awt.Rectangle;
import java.awt.Robot;
import java.awt.TextArea;
import java.awt.Window;
import java.awt.event.ActionEvent;
import java.awt.event.ActionListener;
import java.awt.event.ItemEvent;
import java.awt.event.ItemListener;
import java.io.File;
import java.io.FileWriter;
import java.io.IOException;
import java.io.Writer;
import javax.imageio.ImageIO;

/**
 * Drives the DeepImage plugin's windows in a real ImageJ as a person would, for the tests in
 * tests/e2e/imagej and the screenshots in docs/imagej.md:
 *
 *   java -Dplugins.dir=D -cp ij.jar:gui.jar PluginGui OUT IMAGE MODEL [SHOTS]
 *
 * With the Recorder on it opens IMAGE, picks MODEL in Plugins > DeepImage Run and clicks OK, watches
 * the monitor window, saves the result (OUT/first.tif) and the recorded macro (OUT/recorded.ijm),
 * replays that macro on the same image (OUT/replayed.tif); then opens Explore, selects MODEL and
 * clicks Apply (OUT/explore_output.tif). OUT/report.txt says what was seen. SHOTS, when given,
 * receives run-dialog.png, monitor.png and explore.png.
 */
public class PluginGui {
  private static File out, shots;
  private static final StringBuilder report = new StringBuilder();

  public static void main(String[] args) throws Exception {
    out = new File(args[0]);
    String image = args[1], model = args[2];
    shots = args.length > 3 ? new File(args[3]) : null;
    try {
      new ImageJ();
      ImagePlus input = IJ.openImage(image);
      input.show();
      waitFor("the image window", () -> input.getWindow() != null && input.getWindow().isShowing());
      Recorder recorder = new Recorder();
      runDialog(model);
      ImagePlus first = waitForResult(input);
      note("status", System.getProperty("deepimage.status") + " " + System.getProperty("deepimage.error"));
      IJ.saveAsTiff(first, new File(out, "first.tif").getPath());
      String recorded = "";
      for (String line : recorder.getText().split("\n"))
        if (line.contains("DeepImage Run")) recorded = line;
      write(new File(out, "recorded.ijm"), recorded + "\n");
      first.changes = false;
      first.close();
      WindowManager.setCurrentWindow(input.getWindow());
      IJ.runMacro(recorded);
      ImagePlus replayed = WindowManager.getCurrentImage();
      note("replayed", replayed == null || replayed == input ? "no result" : replayed.getTitle());
      if (replayed != null && replayed != input) IJ.saveAsTiff(replayed, new File(out, "replayed.tif").getPath());
      explore(model);
      cancel();
      String weights = System.getProperty("deepimage.test.weights");
      if (weights != null) buildWizard(weights, new File(out, "wizard.zip"));
    } catch (Throwable t) {
      note("failure", t.toString());
    } finally {
      write(new File(out, "report.txt"), report.toString());
      System.exit(0);
    }
  }

  /** Plugins > DeepImage Run, MODEL chosen, OK; the monitor window is looked for while it runs. */
  private static void runDialog(String model) throws Exception {
    IJ.doCommand("DeepImage Run");
    final GenericDialog gd = (GenericDialog) waitForWindow("DeepImage Run");
    final Choice models = (Choice) gd.getChoices().get(0);
    EventQueue.invokeAndWait(() -> {
      models.select(model);
      for (ItemListener l : models.getItemListeners())
        l.itemStateChanged(new ItemEvent(models, ItemEvent.ITEM_STATE_CHANGED, model, ItemEvent.SELECTED));
    });
    Thread.sleep(1500);  // the dialog shows the model's tile and halo defaults
    note("dialog model", models.getSelectedItem());
    screenshot(null, "run-dialog.png");  // the whole screen: ImageJ, the image and the dialog
    final Button ok = button(gd, "OK");
    EventQueue.invokeAndWait(() -> gd.actionPerformed(new ActionEvent(ok, ActionEvent.ACTION_PERFORMED, "OK")));
    Window monitor = waitForWindow("DeepImage: ");
    note("monitor", "seen");
    // Once a tile is done the numbers are filled in: the moment worth a screenshot.
    final Label tiles = findLabelAfter((Container) monitor, "Tiles:");
    try {
      waitFor("a tile done", () -> tiles != null && !tiles.getText().startsWith("0") && !tiles.getText().equals("-"));
      note("monitor tiles", tiles.getText());
      screenshot(monitor, "monitor.png");
    } catch (IllegalStateException finishedFirst) {
      note("monitor tiles", "run ended before a screenshot");
    }
  }

  private static ImagePlus waitForResult(final ImagePlus input) {
    waitFor("the result image", () -> {
      ImagePlus current = WindowManager.getCurrentImage();
      return current != null && current != input && !"running".equals(System.getProperty("deepimage.status"));
    });
    return WindowManager.getCurrentImage();
  }

  private static void explore(final String model) throws Exception {
    IJ.doCommand("DeepImage Explore");
    final Frame window = (Frame) waitForWindow("DeepImage Explore");
    final List list = (List) find(window, List.class);
    int index = -1;
    for (int i = 0; i < list.getItemCount(); i++)
      if (list.getItem(i).startsWith(model)) index = i;
    note("explore models", String.valueOf(list.getItemCount()));
    final int chosen = index;
    EventQueue.invokeAndWait(() -> {
      list.select(chosen);
      for (ItemListener l : list.getItemListeners())
        l.itemStateChanged(new ItemEvent(list, ItemEvent.ITEM_STATE_CHANGED, chosen, ItemEvent.SELECTED));
    });
    final TextArea card = (TextArea) find(window, TextArea.class);
    waitFor("the model card", () -> card.getText().startsWith(model));
    note("explore card", card.getText().split("\n")[0]);
    Thread.sleep(500);
    screenshot(window, "explore.png");
    final Button apply = button(window, "Apply");
    for (ActionListener l : apply.getActionListeners()) l.actionPerformed(new ActionEvent(apply, ActionEvent.ACTION_PERFORMED, "Apply"));
    waitFor("the example output", () -> WindowManager.getImage(model + " example output") != null);
    note("explore input", WindowManager.getImage(model + " example input") != null ? "shown" : "missing");
    IJ.saveAsTiff(WindowManager.getImage(model + " example output"), new File(out, "explore_output.tif").getPath());
  }

  /** A long run (the Laplacian fixture on 400 planes) cancelled from its monitor window: no result opens. */
  private static void cancel() throws Exception {
    final ImagePlus big = IJ.createImage("big", "16-bit ramp", 512, 512, 400);
    big.show();
    final int before = WindowManager.getImageCount();
    Thread run = new Thread(() -> IJ.runMacro("run(\"DeepImage Run\", \"model=laplace2d_tiny\");"));
    run.start();
    Window monitor = waitForWindow("DeepImage: ");
    final Label tiles = findLabelAfter((Container) monitor, "Tiles:");
    waitFor("a tile done", () -> tiles != null && !tiles.getText().startsWith("0") && !tiles.getText().equals("-"));
    final Button stop = button(monitor, "Cancel");
    for (ActionListener l : stop.getActionListeners()) l.actionPerformed(new ActionEvent(stop, ActionEvent.ACTION_PERFORMED, "Cancel"));
    run.join(120_000);
    note("cancel", System.getProperty("deepimage.status") + " " + System.getProperty("deepimage.error") + " at " + tiles.getText());
    note("cancel images added", String.valueOf(WindowManager.getImageCount() - before));
  }

  /**
   * Build Bundled Model through its two pages with the Laplacian weights and a new 2-D example, then
   * the confirmation that shows the test output: the bundle is written only after OK there.
   */
  private static void buildWizard(String weights, File bundle) throws Exception {
    ImagePlus example = IJ.createImage("example", "16-bit ramp", 64, 48, 1);
    example.show();
    waitFor("the example window", () -> example.getWindow() != null && example.getWindow().isShowing());
    IJ.doCommand("DeepImage Build Bundled Model");
    final GenericDialog card = (GenericDialog) waitForWindow("Build Bundled Model (1/2)");
    fill(card, weights, "Laplacian from the wizard", "A 3x3 Laplacian, packaged by clicking.", "Jane Doe; EMBL Heidelberg", "MIT",
        "deepimage test fixture; https://bioimage.io", "");
    click(card, "OK");
    final GenericDialog tensors = (GenericDialog) waitForWindow("Build Bundled Model (2/2)");
    fill(tensors, "bcyx", "y=8/1,x=8/1", "bcyx", "", "y=1,x=1", bundle.getPath());
    EventQueue.invokeAndWait(() -> ((Choice) tensors.getChoices().get(0)).select("none"));
    click(tensors, "OK");
    final GenericDialog confirm = (GenericDialog) waitForWindow("DeepImage Build Bundled Model");
    note("build test output shown", WindowManager.getImage("Laplacian from the wizard (test output)") != null ? "yes" : "no");
    note("build written before OK", String.valueOf(bundle.exists()));
    click(confirm, "OK");
    waitFor("the bundle", () -> !"running".equals(System.getProperty("deepimage.status")));
    note("build", System.getProperty("deepimage.status") + " " + System.getProperty("deepimage.error") + " written " + bundle.exists());
  }

  private static void fill(GenericDialog gd, final String... texts) throws Exception {
    final java.util.Vector<?> fields = gd.getStringFields();
    EventQueue.invokeAndWait(() -> {
      for (int i = 0; i < texts.length; i++) ((java.awt.TextField) fields.get(i)).setText(texts[i]);
    });
  }

  private static void click(final GenericDialog gd, String label) throws Exception {
    final Button b = button(gd, label);
    EventQueue.invokeAndWait(() -> gd.actionPerformed(new ActionEvent(b, ActionEvent.ACTION_PERFORMED, label)));
  }

  private interface Condition {
    boolean holds();
  }

  private static void waitFor(String what, Condition c) {
    long end = System.currentTimeMillis() + 240_000;
    while (System.currentTimeMillis() < end) {
      if (c.holds()) return;
      try {
        Thread.sleep(50);
      } catch (InterruptedException e) {
        break;
      }
    }
    throw new IllegalStateException("timed out waiting for " + what);
  }

  private static Window waitForWindow(final String titleStart) {
    final Window[] found = new Window[1];
    waitFor("a window titled " + titleStart, () -> {
      for (Window w : Window.getWindows()) {
        String title = w instanceof Frame ? ((Frame) w).getTitle() : w instanceof java.awt.Dialog ? ((java.awt.Dialog) w).getTitle() : "";
        if (w.isShowing() && title != null && title.startsWith(titleStart)) {
          found[0] = w;
          return true;
        }
      }
      return false;
    });
    return found[0];
  }

  private static Component find(Container c, Class<?> type) {
    for (Component child : c.getComponents()) {
      if (type.isInstance(child)) return child;
      if (child instanceof Container) {
        Component inner = find((Container) child, type);
        if (inner != null) return inner;
      }
    }
    return null;
  }

  private static Button button(Container c, String label) {
    Button b = findButton(c, label);
    if (b == null) throw new IllegalStateException("no button " + label);
    return b;
  }

  private static Button findButton(Container c, String label) {
    for (Component child : c.getComponents()) {
      if (child instanceof Button && ((Button) child).getLabel().trim().equals(label)) return (Button) child;
      if (child instanceof Container) {
        Button inner = findButton((Container) child, label);
        if (inner != null) return inner;
      }
    }
    return null;
  }

  private static Label findLabelAfter(Container c, String name) {
    Component[] children = c.getComponents();
    for (int i = 0; i < children.length; i++) {
      if (children[i] instanceof Label && ((Label) children[i]).getText().equals(name) && i + 1 < children.length)
        return (Label) children[i + 1];
      if (children[i] instanceof Container) {
        Label inner = findLabelAfter((Container) children[i], name);
        if (inner != null) return inner;
      }
    }
    return null;
  }

  private static void screenshot(Window w, String name) throws Exception {
    if (shots == null) return;
    shots.mkdirs();
    Rectangle r = w != null ? w.getBounds() : new Rectangle(java.awt.Toolkit.getDefaultToolkit().getScreenSize());
    ImageIO.write(new Robot().createScreenCapture(r), "png", new File(shots, name));
  }

  private static void note(String key, String value) {
    report.append(key).append(": ").append(value).append("\n");
  }

  private static void write(File f, String text) throws IOException {
    try (Writer w = new FileWriter(f)) {
      w.write(text);
    }
  }
}
