package deepimage.imagej;

import ij.IJ;
import java.io.File;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * The models the plugin offers: those of one models folder, listed by `deepimage models --json`.
 * The folder is the Java property deepimage.models, else $DEEPIMAGE_MODELS, else models/ in the
 * ImageJ (or Fiji) folder, where DeepImageJ keeps its models too.
 */
final class Models {
  private Models() {}

  static File folder() {
    String configured = System.getProperty("deepimage.models");
    if (configured == null || configured.isEmpty()) configured = System.getenv("DEEPIMAGE_MODELS");
    if (configured != null && !configured.isEmpty()) return new File(configured);
    String imagej = IJ.getDirectory("imagej");
    return new File(imagej != null ? imagej : System.getProperty("user.dir"), "models");
  }

  /** Each model's listing entry (name, id, path, description, inputs, weights, ...); empty if the folder is. */
  static List<Map<String, Object>> list() throws DeepImageException {
    File folder = folder();
    if (!folder.isDirectory()) return new ArrayList<Map<String, Object>>();
    Object listing = Json.parse(Cli.output(Arrays.asList("models", "--dir", folder.getPath(), "--json")));
    List<Map<String, Object>> models = new ArrayList<Map<String, Object>>();
    for (Object m : Json.array(Json.object(listing).get("models"))) models.add(Json.object(m));
    return models;
  }

  /** True when the CLI can run the model here (a readable rdf with a weights format this build runs). */
  static boolean runnable(Map<String, Object> model) {
    for (Object w : Json.array(model.get("weights")))
      if (Boolean.TRUE.equals(Json.object(w).get("runs_here"))) return true;
    return false;
  }

  /**
   * What `deepimage` is given for a model a user or macro named: an existing path as it is, else the
   * listed model with that name, folder name or id, else the text itself (the CLI also takes ids and URLs).
   */
  static String resolve(String model, List<Map<String, Object>> listed) {
    if (new File(model).exists()) return model;
    for (Map<String, Object> m : listed) {
      String path = Json.string(m, "path");
      if (model.equals(Json.string(m, "name")) || model.equals(new File(path).getName()) || model.equals(Json.string(m, "id")))
        return path;
    }
    return model;
  }

  /** The model's card, `deepimage info MODEL --json`. */
  static Map<String, Object> describe(String model) throws DeepImageException {
    return Json.object(Json.parse(Cli.output(Arrays.asList("info", model, "--json"))));
  }
}
