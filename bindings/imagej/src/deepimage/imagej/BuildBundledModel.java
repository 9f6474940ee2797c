package deepimage.imagej;

import ij.IJ;
import ij.ImagePlus;
import ij.Macro;
import ij.WindowManager;
import ij.gui.GenericDialog;
import ij.macro.Interpreter;
import ij.plugin.PlugIn;
import java.io.File;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Plugins > DeepImage > Build Bundled Model: a wizard over `deepimage build` (docs/build.md) that
 * takes the current image as the example. The bundle is first built in a temporary folder, where
 * `build` runs the network on the example and tests the bundle; the wizard shows the result and the
 * test, and only then writes the bundle where the user asked. In a macro, each field is a key:
 *
 *   run("DeepImage Build Bundled Model", "weights=[/models/unet.pt] name=[Nuclei U-Net] description=[...]
 *       author=[Jane Doe; EMBL] license=MIT cite=[Ronneberger et al. 2015; 10.1007/978-3-319-24574-4_28]
 *       input_axes=bcyx input_size=[y=64/16,x=64/16] preprocessing=zero_mean_unit_variance
 *       output_axes=bcyx halo=[y=32,x=32] postprocessing=sigmoid bundle=[/models/nuclei.zip]");
 */
public class BuildBundledModel implements PlugIn {
  /** The processing choices offered, as `deepimage build` takes them (ID:{kwargs}). */
  static final Map<String, String> PREPROCESSING = new LinkedHashMap<String, String>();
  static final Map<String, String> POSTPROCESSING = new LinkedHashMap<String, String>();
  static {
    PREPROCESSING.put("none", "");
    PREPROCESSING.put("zero_mean_unit_variance", "zero_mean_unit_variance:{\"axes\": [\"y\", \"x\"]}");
    PREPROCESSING.put("scale_range", "scale_range:{\"axes\": [\"y\", \"x\"], \"min_percentile\": 1, \"max_percentile\": 99.8}");
    POSTPROCESSING.put("none", "");
    POSTPROCESSING.put("sigmoid", "sigmoid");
  }

  /** The wizard's fields, which are also the macro keys. */
  static final String[] KEYS = {"weights", "name", "description", "author", "license", "cite", "tags", "input_axes",
      "input_size", "preprocessing", "output_axes", "output_size", "halo", "postprocessing", "bundle"};

  public void run(String arg) {
    Report.started();
    String options = Macro.getOptions();
    try {
      ImagePlus example = WindowManager.getCurrentImage();
      if (example == null) throw new DeepImageException("no image is open: open the example image the model is to be built with");
      Map<String, String> fields = options != null ? fromMacro(options) : wizard(example);
      if (fields == null) {
        System.setProperty(Report.STATUS, "cancelled");
        return;
      }
      File temp = ImageFiles.temporaryFolder();
      try {
        File input = new File(temp, "example.tif");
        ImageFiles.saveCopy(example, false, input);
        String target = fields.get("bundle");
        if (options == null) {
          // Built and tested in the temporary folder first; the user sees the result before it is written.
          File trial = new File(temp, "bundle");
          String test = build(fields, input, trial.getPath(), true);
          ImagePlus output = ImageFiles.open(new File(trial, "sample_output.tif"), fields.get("name") + " (test output)");
          output.show();
          GenericDialog confirm = new GenericDialog("DeepImage Build Bundled Model");
          confirm.addMessage("The bundle passes its test: " + test + "\nThe network's output on the example is shown.\n\nWrite it to " + target + "?");
          confirm.showDialog();
          if (confirm.wasCanceled()) {
            System.setProperty(Report.STATUS, "cancelled");
            return;
          }
        }
        String test = build(fields, input, target, fields.containsKey("overwrite"));
        IJ.log("DeepImage: wrote the bundle " + target + " (test passed: " + test + ")");
      } finally {
        ImageFiles.delete(temp);
      }
      Report.ok();
    } catch (DeepImageException e) {
      Report.error(e.getMessage());
    }
  }

  /** Runs `deepimage build`; returns its test summary. */
  static String build(Map<String, String> f, File example, String bundle, boolean overwrite) throws DeepImageException {
    List<String> args = new ArrayList<String>(Arrays.asList("build", "--example", example.getPath(), "-o", bundle, "--json"));
    if (overwrite) args.add("--overwrite");
    String[][] flags = {{"weights", "--weights"}, {"name", "--name"}, {"description", "--description"}, {"license", "--license"},
        {"input_axes", "--input-axes"}, {"input_size", "--input-size"}, {"output_axes", "--output-axes"},
        {"output_size", "--output-size"}, {"halo", "--halo"}};
    for (String[] flag : flags) {
      String v = f.get(flag[0]);
      if (v != null && !v.isEmpty()) args.addAll(Arrays.asList(flag[1], v));
    }
    for (String author : list(f.get("author"), "|")) args.addAll(Arrays.asList("--author", author));
    for (String cite : list(f.get("cite"), "|")) args.addAll(Arrays.asList("--cite", cite));
    for (String tag : list(f.get("tags"), ",")) args.addAll(Arrays.asList("--tag", tag));
    String pre = op(f.get("preprocessing"), PREPROCESSING), post = op(f.get("postprocessing"), POSTPROCESSING);
    if (!pre.isEmpty()) args.addAll(Arrays.asList("--preprocess", pre));
    if (!post.isEmpty()) args.addAll(Arrays.asList("--postprocess", post));
    Monitor monitor = new Monitor("build " + f.get("name"), !Interpreter.isBatchMode());
    try {
      Cli.Result r = Cli.runToSuccess(args, monitor, monitor.cancel);
      Map<String, Object> report = Json.object(Json.parse(r.out));
      Map<String, Object> test = Json.object(report.get("test"));
      return Json.string(test, "weights_format") + ", " + Json.array(test.get("outputs")).size() + " output(s) within tolerance";
    } finally {
      monitor.close();
    }
  }

  /** A choice name ("sigmoid") becomes its op; anything else (ID or ID:{kwargs}) is passed on as written. */
  static String op(String value, Map<String, String> choices) {
    if (value == null) return "";
    String v = value.trim();
    return choices.containsKey(v) ? choices.get(v) : v;
  }

  private static List<String> list(String text, String separator) {
    List<String> items = new ArrayList<String>();
    if (text == null) return items;
    for (String item : text.split(java.util.regex.Pattern.quote(separator)))
      if (!item.trim().isEmpty()) items.add(item.trim());
    return items;
  }

  static Map<String, String> fromMacro(String options) throws DeepImageException {
    Map<String, String> given = RunSettings.parse(options);
    Map<String, String> f = new LinkedHashMap<String, String>();
    for (String key : KEYS) f.put(key, RunSettings.value(given, key));
    for (String required : new String[] {"weights", "name", "bundle"})
      if (f.get(required).isEmpty()) throw new DeepImageException("the macro gives no " + required + ": add " + required + "=[...]");
    if (RunSettings.flag(given, "overwrite")) f.put("overwrite", "");
    return f;
  }

  /** Two pages: the model card, then the tensors and processing; null when cancelled. */
  private static Map<String, String> wizard(ImagePlus example) throws DeepImageException {
    Map<String, String> f = new LinkedHashMap<String, String>();
    GenericDialog card = new GenericDialog("Build Bundled Model (1/2): the model");
    card.addFileField("Weights (.pt or .onnx)", "");
    card.addStringField("Name", "", 40);
    card.addStringField("Description", "", 40);
    card.addStringField("Author", "", 40);
    card.addMessage("Author: NAME; AFFILIATION; GITHUB USER (several separated by |)");
    card.addStringField("License", "MIT", 16);
    card.addStringField("Cite", "", 40);
    card.addMessage("Cite: TEXT; DOI or URL (several separated by |)");
    card.addStringField("Tags", "", 40);
    card.showDialog();
    if (card.wasCanceled()) return null;
    for (String key : new String[] {"weights", "name", "description", "author", "license", "cite", "tags"})
      f.put(key, card.getNextString().trim());
    GenericDialog tensors = new GenericDialog("Build Bundled Model (2/2): the tensors");
    tensors.addMessage("The current image \"" + example.getTitle() + "\" is the example the bundle is tested on.");
    tensors.addStringField("Input_axes", "bcyx", 10);
    tensors.addStringField("Input_size", "y=" + example.getHeight() + ",x=" + example.getWidth(), 24);
    tensors.addMessage("Size per axis: fixed (y=256) or min/step (y=64/16: 64, 80, 96, ...)");
    tensors.addChoice("Preprocessing", PREPROCESSING.keySet().toArray(new String[0]), "zero_mean_unit_variance");
    tensors.addStringField("Output_axes", "bcyx", 10);
    tensors.addStringField("Output_size", "", 24);
    tensors.addMessage("Output size: empty or ref (the input's), ref*2, ref-16, or fixed");
    tensors.addStringField("Halo", "", 24);
    tensors.addChoice("Postprocessing", POSTPROCESSING.keySet().toArray(new String[0]), "none");
    tensors.addStringField("Bundle (.zip or folder)", new File(Models.folder(), "new_model.zip").getPath(), 40);
    tensors.addCheckbox("Overwrite", false);
    tensors.showDialog();
    if (tensors.wasCanceled()) return null;
    f.put("input_axes", tensors.getNextString().trim());
    f.put("input_size", tensors.getNextString().trim());
    f.put("preprocessing", tensors.getNextChoice());
    f.put("output_axes", tensors.getNextString().trim());
    f.put("output_size", tensors.getNextString().trim());
    f.put("halo", tensors.getNextString().trim());
    f.put("postprocessing", tensors.getNextChoice());
    f.put("bundle", tensors.getNextString().trim());
    if (tensors.getNextBoolean()) f.put("overwrite", "");
    return f;
  }
}
