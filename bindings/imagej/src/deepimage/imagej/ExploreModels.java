package deepimage.imagej;

import ij.IJ;
import ij.ImagePlus;
import ij.Macro;
import ij.macro.Interpreter;
import ij.plugin.PlugIn;
import ij.text.TextWindow;
import java.awt.BorderLayout;
import java.awt.Button;
import java.awt.Canvas;
import java.awt.Color;
import java.awt.Dimension;
import java.awt.Frame;
import java.awt.Graphics;
import java.awt.GraphicsEnvironment;
import java.awt.Image;
import java.awt.Panel;
import java.awt.TextArea;
import java.awt.event.ActionEvent;
import java.awt.event.ActionListener;
import java.awt.event.ItemEvent;
import java.awt.event.ItemListener;
import java.awt.event.WindowAdapter;
import java.awt.event.WindowEvent;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import javax.imageio.ImageIO;

/**
 * Plugins > DeepImage > Explore: the models of the models folder, each with its cover and card
 * (description, authors, citation, license, axes, weights), and Apply (the model on its own example,
 * input and output opened), Architecture and Install. In a macro:
 *
 *   run("DeepImage Explore", "model=[name or path] action=apply");          // or action=architecture
 */
public class ExploreModels implements PlugIn {
  private Frame window;
  private java.awt.List list;
  private TextArea card;
  private CoverCanvas cover;
  private List<Map<String, Object>> models = new ArrayList<Map<String, Object>>();

  public void run(String arg) {
    Report.started();
    String options = Macro.getOptions();
    try {
      if (options != null) {
        Map<String, String> given = RunSettings.parse(options);
        String model = Models.resolve(RunSettings.value(given, "model", "modelPath"), Models.list());
        if (model.isEmpty()) throw new DeepImageException("the macro gives no model: add model=[name or path]");
        String action = RunSettings.value(given, "action");
        if (action.isEmpty() || action.equals("apply")) apply(model, true);
        else if (action.equals("architecture")) IJ.log(architecture(model));
        else throw new DeepImageException("action=" + action + " is not an Explore action (expected apply or architecture)");
        Report.ok();
        return;
      }
      if (GraphicsEnvironment.isHeadless()) throw new DeepImageException("Explore needs a screen; in a macro give model= and action=");
      open();
      Report.ok();
    } catch (DeepImageException e) {
      Report.error(e.getMessage());
    }
  }

  /** Runs `deepimage example`: the example input and the result(s), opened as images (shown if `show`). */
  static List<ImagePlus> apply(String model, boolean show) throws DeepImageException {
    Map<String, Object> about = Models.describe(model);
    String name = Json.string(about, "name");
    List<Object> inputs = Json.array(about.get("inputs")), outputs = Json.array(about.get("outputs"));
    File temp = ImageFiles.temporaryFolder();
    Monitor monitor = new Monitor(name + " example", !Interpreter.isBatchMode());
    try {
      File in = new File(temp, "input.tif");
      File out = ImageFiles.resultTarget(temp, outputs.size());
      Cli.runToSuccess(Arrays.asList("example", model, "-o", out.getPath(), "--save-input", in.getPath(), "--progress", "json",
          "--overwrite"), monitor, monitor.cancel);
      List<ImagePlus> images = new ArrayList<ImagePlus>();
      for (Object i : inputs) {
        String id = Json.string(Json.object(i), "id");
        File file = inputs.size() == 1 ? in : new File(temp, "input_" + id + ".tif");
        images.add(ImageFiles.open(file, name + " example input" + (inputs.size() == 1 ? "" : " " + id)));
      }
      // The CLI names an example's results after the first input's id, as it names run results after the image.
      String inputName = Json.string(Json.object(inputs.get(0)), "id") + ".npy";
      for (Object o : outputs) {
        String id = Json.string(Json.object(o), "id");
        File file = ImageFiles.resultFile(out, outputs.size(), inputName, id);
        images.add(ImageFiles.open(file, name + " example output" + (outputs.size() == 1 ? "" : " " + id)));
      }
      if (show)
        for (ImagePlus imp : images) imp.show();
      return images;
    } finally {
      monitor.close();
      ImageFiles.delete(temp);
    }
  }

  static String architecture(String model) throws DeepImageException {
    return Cli.output(Arrays.asList("info", model, "--architecture"));
  }

  private void open() throws DeepImageException {
    window = new Frame("DeepImage Explore - " + Models.folder());
    list = new java.awt.List(16, false);
    list.setPreferredSize(new Dimension(240, 320));
    card = new TextArea("", 18, 64, TextArea.SCROLLBARS_VERTICAL_ONLY);
    card.setEditable(false);
    cover = new CoverCanvas();
    list.addItemListener(new ItemListener() {
      public void itemStateChanged(ItemEvent e) {
        showCard();
      }
    });
    Panel right = new Panel(new BorderLayout());
    right.add(cover, BorderLayout.NORTH);
    right.add(card, BorderLayout.CENTER);
    Panel buttons = new Panel();
    buttons.add(button("Apply", new Action() {
      public void run(String model) throws DeepImageException {
        apply(model, true);
      }
    }));
    buttons.add(button("Architecture", new Action() {
      public void run(String model) throws DeepImageException {
        new TextWindow(Json.string(selected(), "name") + " architecture", architecture(model), 720, 480);
      }
    }));
    Button install = new Button("Install...");
    install.addActionListener(new ActionListener() {
      public void actionPerformed(ActionEvent e) {
        background(new Runnable() {
          public void run() {
            IJ.run("DeepImage Install Model");
            refresh();
          }
        });
      }
    });
    buttons.add(install);
    window.add(list, BorderLayout.WEST);
    window.add(right, BorderLayout.CENTER);
    window.add(buttons, BorderLayout.SOUTH);
    window.addWindowListener(new WindowAdapter() {
      public void windowClosing(WindowEvent e) {
        window.dispose();
      }
    });
    refresh();
    window.pack();
    window.setLocationRelativeTo(null);
    window.setVisible(true);
  }

  private interface Action {
    void run(String model) throws DeepImageException;
  }

  private Button button(String label, final Action action) {
    Button b = new Button(label);
    b.addActionListener(new ActionListener() {
      public void actionPerformed(ActionEvent e) {
        final Map<String, Object> model = selected();
        if (model == null) return;
        background(new Runnable() {
          public void run() {
            Report.started();
            try {
              action.run(Json.string(model, "path"));
              Report.ok();
            } catch (DeepImageException error) {
              Report.error(error.getMessage());
            }
          }
        });
      }
    });
    return b;
  }

  /** Work started from a button runs off the event thread, so the window stays responsive. */
  private static void background(Runnable work) {
    Thread t = new Thread(work, "DeepImage Explore");
    t.start();
  }

  private Map<String, Object> selected() {
    int i = list.getSelectedIndex();
    return i >= 0 && i < models.size() ? models.get(i) : null;
  }

  private void refresh() {
    try {
      models = Models.list();
    } catch (DeepImageException e) {
      Report.error(e.getMessage());
    }
    list.removeAll();
    for (Map<String, Object> m : models)
      list.add(Json.string(m, "name") + (Models.runnable(m) ? "" : "  (cannot run here)"));
    if (!models.isEmpty()) list.select(0);
    showCard();
  }

  private void showCard() {
    Map<String, Object> m = selected();
    if (m == null) {
      card.setText(models.isEmpty() ? "No models in " + Models.folder() + ".\nInstall one with Install..." : "");
      cover.show(null);
      return;
    }
    String path = Json.string(m, "path");
    try {
      Map<String, Object> about = Models.describe(path);
      card.setText(cardText(about));
      card.setCaretPosition(0);
      List<Object> covers = Json.array(about.get("covers"));
      cover.show(covers.isEmpty() ? null : readCover(path, String.valueOf(covers.get(0))));
    } catch (DeepImageException e) {
      card.setText(Json.string(m, "name") + "\n\n" + e.getMessage());
      cover.show(null);
    }
    window.validate();
  }

  /** The card as text: what DeepImageJ's Explore shows. */
  static String cardText(Map<String, Object> about) {
    StringBuilder s = new StringBuilder();
    s.append(Json.string(about, "name")).append("\n\n").append(Json.string(about, "description")).append("\n\n");
    s.append("Authors: ");
    List<Object> authors = Json.array(about.get("authors"));
    for (int i = 0; i < authors.size(); i++) {
      Map<String, Object> a = Json.object(authors.get(i));
      s.append(i > 0 ? "; " : "").append(Json.string(a, "name"));
      if (!Json.string(a, "affiliation").isEmpty()) s.append(" (").append(Json.string(a, "affiliation")).append(")");
    }
    s.append("\nLicense: ").append(Json.string(about, "license")).append("\nCite:\n");
    for (Object c : Json.array(about.get("cite"))) {
      Map<String, Object> cite = Json.object(c);
      s.append("  ").append(Json.string(cite, "text"));
      if (!Json.string(cite, "doi").isEmpty()) s.append(" doi:").append(Json.string(cite, "doi"));
      else if (!Json.string(cite, "url").isEmpty()) s.append(" ").append(Json.string(cite, "url"));
      s.append("\n");
    }
    for (String kind : new String[] {"inputs", "outputs"}) {
      s.append(kind.substring(0, 1).toUpperCase()).append(kind.substring(1)).append(":\n");
      for (Object t : Json.array(about.get(kind))) {
        Map<String, Object> tensor = Json.object(t);
        s.append("  ").append(Json.string(tensor, "id")).append("  ").append(Json.string(tensor, "axes")).append("  ");
        for (Object a : Json.array(tensor.get("axis_details"))) {
          Map<String, Object> axis = Json.object(a);
          s.append(Json.string(axis, "id")).append("=").append(Json.string(axis, "size"));
          if (axis.containsKey("halo")) s.append(" (halo ").append(Json.string(axis, "halo")).append(")");
          s.append("  ");
        }
        s.append("\n");
      }
    }
    s.append("Weights:\n");
    for (Object w : Json.array(about.get("weights"))) {
      Map<String, Object> weights = Json.object(w);
      s.append("  ").append(Json.string(weights, "format"))
          .append(Boolean.TRUE.equals(weights.get("runs_here")) ? "  runs here" : "  cannot run here: " + Json.string(weights, "why_not"))
          .append("\n");
    }
    s.append("\n").append(Json.string(about, "path"));
    return s.toString();
  }

  /** A cover from a bundle folder or zip (covers are PNG/JPEG/GIF, which ImageIO reads); null if unreadable. */
  static Image readCover(String bundle, String cover) {
    try {
      File b = new File(bundle);
      if (b.isDirectory()) return ImageIO.read(new File(b, cover));
      if (b.getName().toLowerCase().endsWith(".zip")) {
        ZipFile zip = new ZipFile(b);
        try {
          ZipEntry entry = zip.getEntry(cover);
          if (entry == null || entry.getSize() > (16 << 20)) return null;
          InputStream in = zip.getInputStream(entry);
          try {
            return ImageIO.read(in);
          } finally {
            in.close();
          }
        } finally {
          zip.close();
        }
      }
      File parent = b.getParentFile();  // an rdf file: covers beside it
      return parent == null ? null : ImageIO.read(new File(parent, cover));
    } catch (IOException e) {
      return null;
    }
  }

  /** Draws the cover scaled to fit 480 x 200, or a grey box when there is none. */
  private static final class CoverCanvas extends Canvas {
    private static final long serialVersionUID = 1L;
    private Image image;

    void show(Image image) {
      this.image = image;
      repaint();
    }

    public Dimension getPreferredSize() {
      return new Dimension(480, 200);
    }

    public void paint(Graphics g) {
      g.setColor(Color.lightGray);
      g.fillRect(0, 0, getWidth(), getHeight());
      if (image == null) {
        g.setColor(Color.darkGray);
        g.drawString("no cover", 10, 20);
        return;
      }
      double scale = Math.min(getWidth() / (double) image.getWidth(null), getHeight() / (double) image.getHeight(null));
      int w = (int) (image.getWidth(null) * scale), h = (int) (image.getHeight(null) * scale);
      g.drawImage(image, (getWidth() - w) / 2, (getHeight() - h) / 2, w, h, null);
    }
  }
}
