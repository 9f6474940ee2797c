package deepimage.imagej;

import ij.ImagePlus;
import ij.Macro;
import ij.Prefs;
import ij.WindowManager;
import ij.gui.DialogListener;
import ij.gui.GenericDialog;
import ij.io.FileInfo;
import ij.macro.Interpreter;
import ij.measure.ResultsTable;
import ij.plugin.PlugIn;
import ij.plugin.frame.Recorder;
import ij.process.LUT;
import java.awt.AWTEvent;
import java.awt.Choice;
import java.awt.GraphicsEnvironment;
import java.awt.Label;
import java.io.File;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * Plugins > DeepImage > Run: the current image (or a file) through a model, the result opened as a
 * new image. The work is `deepimage run` on a temporary copy; this class asks what to run, shows
 * progress and opens what the CLI wrote. See RunSettings for the macro keys.
 */
public class RunModel implements PlugIn {
  public void run(String arg) {
    execute(Macro.getOptions());
  }

  /** Runs with macro options, or with the dialog when `options` is null. */
  void execute(String options) {
    Report.started();
    try {
      List<Map<String, Object>> models = Models.list();
      ImagePlus imp = WindowManager.getCurrentImage();
      RunSettings s;
      if (options != null) {
        s = RunSettings.fromMacro(options);
      } else {
        if (imp == null) throw new DeepImageException("no image is open: open the image to run the model on first");
        s = dialog(models, imp);
        if (s == null) {
          System.setProperty(Report.STATUS, "cancelled");
          return;
        }
      }
      if (s.input.isEmpty() && imp == null)
        throw new DeepImageException("no image is open: open one, or give input=[file] in the macro");
      List<ImagePlus> results = run(s.input.isEmpty() ? imp : null, s, Models.resolve(s.model, models));
      for (int i = 0; i < tables.size(); i++) if (!s.hide) tables.get(i).show(tableTitles.get(i));
      tables.clear();
      tableTitles.clear();
      for (ImagePlus result : results) {
        if (s.hide) continue;
        // Without a display (headless ImageJ outside batch mode) there is no window to show it in:
        // it becomes the macro's current image instead.
        if (GraphicsEnvironment.isHeadless() && !Interpreter.isBatchMode()) WindowManager.setTempCurrentImage(result);
        else result.show();
      }
      Report.ok();
    } catch (DeepImageException e) {
      Report.error(e.getMessage());
    }
  }

  /**
   * For ImageJ 1.x without any display (java -Djava.awt.headless=true), where run() cannot reach the
   * menus: call("deepimage.imagej.RunModel.runWithOptions", "model=... ") with the jar on the class
   * path. The options and the returned status are those of run("DeepImage Run", ...).
   */
  public static String runWithOptions(String options) {
    new RunModel().execute(options);
    return System.getProperty(Report.STATUS);
  }

  /** The results tables of objects the last run() found, titled; shown by execute(). */
  private static final List<ResultsTable> tables = new ArrayList<ResultsTable>();
  private static final List<String> tableTitles = new ArrayList<String>();

  /** Runs the model; the results, one image per model output (then the label image with objects), are returned unshown. */
  static List<ImagePlus> run(ImagePlus imp, RunSettings s, String model) throws DeepImageException {
    Map<String, Object> card = Models.describe(model);  // an unreadable model stops here, before any copy
    String name = Json.string(card, "name");
    List<Object> outputs = Json.array(card.get("outputs"));
    File temp = ImageFiles.temporaryFolder();
    Monitor monitor = null;
    try {
      File input;
      String title;
      if (imp != null) {
        input = new File(temp, "input.tif");
        ImageFiles.saveCopy(imp, s.onlyCurrent, input);
        title = imp.getTitle();
      } else {
        input = new File(s.input);
        if (!input.isFile()) throw new DeepImageException("input \"" + s.input + "\" is not a file");
        title = input.getName();
      }
      boolean single = outputs.size() == 1;
      File out = ImageFiles.resultTarget(temp, outputs.size());
      List<String> args = new ArrayList<String>(Arrays.asList("run", model, input.getPath(), "-o", out.getPath(),
          "--progress", "json", "--overwrite"));
      args.addAll(s.cliOptions());
      monitor = new Monitor(name, !Interpreter.isBatchMode());
      Cli.runToSuccess(args, monitor, monitor.cancel);
      String base = ImageFiles.stem(title) + "_" + name.replaceAll("[^A-Za-z0-9_-]", "_");
      List<ImagePlus> results = new ArrayList<ImagePlus>();
      for (Object o : outputs) {
        String id = Json.string(Json.object(o), "id");
        File file = ImageFiles.resultFile(out, outputs.size(), input.getName(), id);
        String resultTitle = single ? base : base + "_" + id;
        results.add(ImageFiles.open(file, resultTitle));
        if (!s.output.isEmpty()) ImageFiles.copy(file, savedAs(s.output, resultTitle, single));
      }
      if (s.objects) {
        // The CLI wrote them beside the first output: <stem>_labels.tif and <stem>_objects.csv.
        File first = ImageFiles.resultFile(out, outputs.size(), input.getName(), Json.string(Json.object(outputs.get(0)), "id"));
        String stem = first.getName().replaceAll("\\.tiff?$", "");
        File labels = new File(first.getParentFile(), stem + "_labels.tif"), csv = new File(first.getParentFile(), stem + "_objects.csv");
        results.add(withItsColourTable(ImageFiles.open(labels, base + "_labels")));
        try {
          tables.add(ResultsTable.open(csv.getPath()));
          tableTitles.add(base + "_objects");
        } catch (IOException e) {
          throw new DeepImageException("cannot read the objects table " + csv + ": " + e.getMessage());
        }
        if (!s.output.isEmpty()) {
          ImageFiles.copy(labels, savedAs(s.output, base + "_labels", false));
          ImageFiles.copy(csv, new File(savedAs(s.output, base + "_objects", false).getPath().replaceAll("\\.tif$", ".csv")));
        }
      }
      return results;
    } finally {
      if (monitor != null) monitor.close();
      ImageFiles.delete(temp);
    }
  }

  /**
   * ImageJ 1.52 reads the colour table of a one-channel image's ImageJ metadata ("luts") into its file
   * info but shows the image in grey; the label image's table is applied here, its display range kept.
   */
  static ImagePlus withItsColourTable(ImagePlus imp) {
    FileInfo fi = imp.getOriginalFileInfo();
    if (fi == null || fi.channelLuts == null || fi.channelLuts.length == 0 || fi.channelLuts[0].length != 768) return imp;
    byte[] l = fi.channelLuts[0];
    double low = imp.getDisplayRangeMin(), high = imp.getDisplayRangeMax();
    imp.setLut(new LUT(Arrays.copyOfRange(l, 0, 256), Arrays.copyOfRange(l, 256, 512), Arrays.copyOfRange(l, 512, 768)));
    imp.setDisplayRange(low, high);
    return imp;
  }

  /** `output` names a file for a one-output model unless it is a folder (existing, or ending in /). */
  private static File savedAs(String output, String title, boolean single) {
    File f = new File(output);
    boolean folder = f.isDirectory() || output.endsWith("/") || output.endsWith(File.separator)
        || !(single && output.toLowerCase().matches(".*\\.tiff?$"));
    return folder ? new File(f, title + ".tif") : f;
  }

  private static RunSettings dialog(final List<Map<String, Object>> models, ImagePlus imp) throws DeepImageException {
    final List<Map<String, Object>> runnable = new ArrayList<Map<String, Object>>();
    for (Map<String, Object> m : models)
      if (Models.runnable(m)) runnable.add(m);
    if (runnable.isEmpty())
      throw new DeepImageException("no model in " + Models.folder() + " runs here: install one with Plugins > DeepImage > Install Model");
    String[] names = new String[runnable.size()];
    for (int i = 0; i < names.length; i++) names[i] = Json.string(runnable.get(i), "name");
    String last = Prefs.get("deepimage.run.model", names[0]);
    GenericDialog gd = new GenericDialog("DeepImage Run");
    gd.addChoice("Model", names, Arrays.asList(names).contains(last) ? last : names[0]);
    gd.addMessage(summary(runnable.get(Math.max(0, Arrays.asList(names).indexOf(last)))));
    final Label about = (Label) gd.getMessage();
    gd.addMessage(defaults(Json.string(runnable.get(Math.max(0, Arrays.asList(names).indexOf(last))), "path")));
    final Label sizes = (Label) gd.getMessage();
    gd.addChoice("Weights", new String[] {"best available", "torchscript", "onnx", "tensorflow_saved_model_bundle", "keras_hdf5"}, Prefs.get("deepimage.run.weights", "best available"));
    gd.addStringField("Tile", "", 18);
    gd.addStringField("Halo", "", 18);
    gd.addStringField("Channels", "", 10);
    gd.addMessage("Tile and halo per axis, e.g. y=256,x=256 (empty: the model's, as above).\n"
        + "Channels of the image to use, in order, e.g. 0,2 (empty: all).");
    boolean stack = imp.getNSlices() * imp.getNFrames() > 1;
    if (stack) gd.addCheckbox("Only_current plane (not all slices and frames)", false);
    gd.addCheckbox("Objects: label image and results table from the result", Prefs.get("deepimage.run.objects", false));
    gd.addStringField("Threshold (empty: the model's for StarDist, else 0.5; or otsu)", Prefs.get("deepimage.run.threshold", ""), 8);
    gd.addCheckbox("Split touching objects (watershed)", Prefs.get("deepimage.run.split", false));
    gd.addStringField("Min_size (pixels)", "", 8);
    final Choice modelChoice = (Choice) gd.getChoices().get(0);
    // ImageJ's convention: the listener reads every field, and its last call (event null, after OK)
    // is the one the Recorder records; the values are taken from there.
    final RunSettings s = new RunSettings();
    final boolean hasPlanes = stack;
    final String[] problem = new String[1];
    gd.addDialogListener(new DialogListener() {
      public boolean dialogItemChanged(GenericDialog dialog, AWTEvent e) {
        if (e != null && e.getSource() == modelChoice) {
          Map<String, Object> m = runnable.get(modelChoice.getSelectedIndex());
          about.setText(summary(m));
          sizes.setText(defaults(Json.string(m, "path")));
        }
        s.model = dialog.getNextChoice();
        String weights = dialog.getNextChoice(), tile = dialog.getNextString(), halo = dialog.getNextString();
        s.channels = dialog.getNextString().trim();
        s.onlyCurrent = hasPlanes && dialog.getNextBoolean();
        s.objects = dialog.getNextBoolean();
        String threshold = dialog.getNextString().trim();
        s.split = dialog.getNextBoolean();
        String minSize = dialog.getNextString().trim();
        // Recorded only with objects, where they mean something; an empty threshold not at all.
        s.threshold = s.objects ? threshold : "";
        s.split = s.objects && s.split;
        s.minSize = s.objects ? minSize : "";
        try {
          problem[0] = null;
          s.weights = RunSettings.normaliseWeights(weights);
          s.tile = RunSettings.perAxis(tile, "tile");
          s.halo = RunSettings.perAxis(halo, "halo");
        } catch (DeepImageException bad) {
          problem[0] = bad.getMessage();
        }
        return problem[0] == null;
      }
    });
    gd.showDialog();
    if (gd.wasCanceled()) return null;
    if (problem[0] != null) throw new DeepImageException(problem[0]);
    if (Recorder.record) Recorder.recordOption("keys", RunSettings.KEYS_VERSION);
    Prefs.set("deepimage.run.model", s.model);
    Prefs.set("deepimage.run.weights", s.weights.isEmpty() ? "best available" : s.weights);
    Prefs.set("deepimage.run.objects", s.objects);
    Prefs.set("deepimage.run.split", s.split);
    if (s.objects) Prefs.set("deepimage.run.threshold", s.threshold);
    return s;
  }

  /** The model's tile size rule and halo per axis, the defaults of the Tile and Halo fields. */
  static String defaults(String model) {
    try {
      Map<String, Object> card = Models.describe(model);
      StringBuilder tile = new StringBuilder(), halo = new StringBuilder();
      for (Object in : Json.array(card.get("inputs")))
        for (Object a : Json.array(Json.object(in).get("axis_details"))) {
          Map<String, Object> axis = Json.object(a);
          if (!"space".equals(Json.string(axis, "type"))) continue;
          tile.append(tile.length() == 0 ? "" : ", ").append(Json.string(axis, "id")).append(" ").append(Json.string(axis, "size"));
        }
      for (Object out : Json.array(card.get("outputs")))
        for (Object a : Json.array(Json.object(out).get("axis_details"))) {
          Map<String, Object> axis = Json.object(a);
          if (axis.containsKey("halo") && halo.indexOf(Json.string(axis, "id") + "=") < 0)
            halo.append(halo.length() == 0 ? "" : ",").append(Json.string(axis, "id")).append("=").append(Json.string(axis, "halo"));
        }
      return "Tile sizes: " + tile + "   Halo: " + (halo.length() == 0 ? "none" : halo.toString());
    } catch (DeepImageException e) {
      return "(" + e.getMessage() + ")";
    }
  }

  /** One line under the model choice: its axes, size rule and task, so the defaults are visible. */
  static String summary(Map<String, Object> model) {
    StringBuilder s = new StringBuilder();
    for (Object in : Json.array(model.get("inputs")))
      s.append(s.length() == 0 ? "input " : ", ").append(Json.string(Json.object(in), "axes"));
    String description = Json.string(model, "description");
    if (description.length() > 90) description = description.substring(0, 87) + "...";
    return s + (description.isEmpty() ? "" : " - " + description);
  }
}
