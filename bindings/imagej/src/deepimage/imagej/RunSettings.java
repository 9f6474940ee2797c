package deepimage.imagej;

import ij.IJ;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The fields of the Run dialog, which are also its macro keys (version 1; a later version keeps these
 * as aliases):
 *
 *   run("DeepImage Run", "model=[Nuclei U-Net] weights=torchscript tile=y=256,x=256 halo=y=32,x=32 channels=0 only_current");
 *
 * model (name, folder name or id from the models folder, a bundle path, a model id or URL), weights
 * (torchscript | onnx | tensorflow_saved_model_bundle | keras_hdf5; empty: the best that runs here), tile and halo (per axis as the CLI takes them,
 * or one number for y and x), channels (image channels to use, in order), only_current (present: the
 * current plane only, else every slice and frame), input (a file to run instead of the current image),
 * output (a file, or a folder, to save the result in as well), hide (present: do not show the result),
 * objects (present: also find objects in the result: a label image and a results table, as
 * `deepimage run --objects`), with threshold (a number or otsu; default: a StarDist model's, else 0.5), split (present: split
 * touching objects) and min_size (pixels).
 * DeepImageJ's keys are read too: 2019 `model preprocessing postprocessing patch overlap logging` and
 * deepImageJ 3 `modelPath inputPath outputFolder displayOutput`.
 */
final class RunSettings {
  static final String KEYS_VERSION = "1";

  String model = "";
  String weights = "";
  String tile = "";
  String halo = "";
  String channels = "";
  boolean onlyCurrent;
  String input = "";
  String output = "";
  boolean hide;
  boolean objects;
  String threshold = "";
  boolean split;
  String minSize = "";

  static RunSettings fromMacro(String macroOptions) throws DeepImageException {
    Map<String, String> options = parse(macroOptions);
    RunSettings s = new RunSettings();
    String keys = value(options, "keys");
    if (!keys.isEmpty() && !keys.equals(KEYS_VERSION))
      throw new DeepImageException("macro keys version \"" + keys + "\" is not one this plugin reads (it reads " + KEYS_VERSION
          + "); update the DeepImage plugin");
    s.model = value(options, "model", "modelPath");
    if (s.model.isEmpty()) throw new DeepImageException("the macro gives no model: add model=[name or path]");
    s.weights = normaliseWeights(value(options, "weights"));
    s.tile = perAxis(value(options, "tile", "patch"), "tile");
    s.halo = perAxis(value(options, "halo", "overlap"), "halo");
    s.channels = value(options, "channels");
    s.onlyCurrent = flag(options, "only_current");
    s.input = value(options, "input", "inputPath");
    s.output = value(options, "output", "outputFolder");
    String display = value(options, "displayOutput");
    s.hide = flag(options, "hide") || display.equalsIgnoreCase("null") || display.equalsIgnoreCase("none");
    s.objects = flag(options, "objects");
    s.threshold = value(options, "threshold");
    s.split = flag(options, "split");
    s.minSize = value(options, "min_size");  // the dialog records these three also without objects: ignored then
    for (String kind : new String[] {"preprocessing", "postprocessing"}) {
      String v = value(options, kind);
      if (!v.isEmpty() && !v.toLowerCase().startsWith("no ") && !v.equalsIgnoreCase("none"))
        IJ.log("DeepImage: " + kind + "=" + v + " is a DeepImageJ 2019 macro file; deepimage applies the model's own "
            + kind + " from its rdf.yaml instead");
    }
    return s;
  }

  /** The `deepimage run` options these settings add. */
  List<String> cliOptions() {
    List<String> args = new ArrayList<String>();
    if (!weights.isEmpty()) { args.add("--weights"); args.add(weights); }
    if (!tile.isEmpty()) { args.add("--tile"); args.add(tile); }
    if (!halo.isEmpty()) { args.add("--halo"); args.add(halo); }
    if (!channels.isEmpty()) { args.add("--channels"); args.add(channels.replace(" ", "")); }
    if (objects) {
      args.add("--objects");
      if (!threshold.isEmpty()) { args.add("--threshold"); args.add(threshold.trim()); }
      if (split) args.add("--split");
      if (!minSize.isEmpty()) { args.add("--min-size"); args.add(minSize.trim()); }
    }
    return args;
  }

  static String normaliseWeights(String w) throws DeepImageException {
    String v = w.trim().toLowerCase();
    if (v.isEmpty() || v.startsWith("best") || v.equals("any")) return "";
    if (v.equals("torchscript") || v.equals("pytorch_script") || v.equals("pytorch")) return "torchscript";
    if (v.equals("onnx")) return "onnx";
    if (v.equals("tensorflow_saved_model_bundle") || v.equals("keras_hdf5")) return v;
    throw new DeepImageException("weights=" + w + " is not a weights format this plugin runs (expected torchscript, onnx, "
                                 + "tensorflow_saved_model_bundle or keras_hdf5)");
  }

  /** "256" (DeepImageJ's patch and overlap: one number) means y=256,x=256; "y=256,x=128" is kept. */
  static String perAxis(String text, String key) throws DeepImageException {
    String t = text.replace(" ", "");
    if (t.isEmpty() || t.contains("=")) return t;
    try {
      int n = Integer.parseInt(t);
      if (n < 0) throw new NumberFormatException();
    } catch (NumberFormatException e) {
      throw new DeepImageException(key + "=" + text + " is not a size: expected one number or axis=size pairs such as y=256,x=256");
    }
    return "y=" + t + ",x=" + t;
  }

  /** The first of `keys` (any case) that options parsed by parse() give, trimmed; "" when none. */
  static String value(Map<String, String> options, String... keys) {
    for (String key : keys) {
      String v = options.get(key.toLowerCase(Locale.ROOT));
      if (v != null) return v.trim();
    }
    return "";
  }

  /** A checkbox key: present alone (ImageJ records ticked boxes so) or as key=true. */
  static boolean flag(Map<String, String> options, String key) {
    String v = options.get(key.toLowerCase(Locale.ROOT));
    return v != null && (v.isEmpty() || v.equalsIgnoreCase("true"));
  }

  /** ImageJ's macro option syntax, keys lower-cased; a word without "=" is a flag with an empty value. */
  static Map<String, String> parse(String options) {
    Map<String, String> map = new HashMap<String, String>();
    int i = 0, n = options.length();
    while (i < n) {
      while (i < n && options.charAt(i) == ' ') i++;
      int start = i;
      while (i < n && options.charAt(i) != '=' && options.charAt(i) != ' ') i++;
      String key = options.substring(start, i).toLowerCase(Locale.ROOT);
      String value = "";
      if (i < n && options.charAt(i) == '=') {
        i++;
        if (i < n && options.charAt(i) == '[') {
          int close = options.indexOf(']', i);
          if (close < 0) close = n;
          value = options.substring(i + 1, close);
          i = Math.min(n, close + 1);
        } else {
          int v = i;
          while (i < n && options.charAt(i) != ' ') i++;
          value = options.substring(v, i);
        }
      }
      if (!key.isEmpty() && !map.containsKey(key)) map.put(key, value);
    }
    return map;
  }
}
