package deepimage.imagej;

import ij.IJ;
import ij.Macro;
import ij.gui.GenericDialog;
import ij.plugin.PlugIn;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * Plugins > DeepImage > Install Model: `deepimage pull` into the models folder. The source is a URL of
 * a bundle zip or rdf, a local zip, or a bioimage.io model id or nickname (looked up in a collection
 * index, the bioimage.io one unless `collection` names another). In a macro:
 *
 *   run("DeepImage Install Model", "source=[https://.../model.zip] sha256=<hex>");
 */
public class InstallModel implements PlugIn {
  public void run(String arg) {
    Report.started();
    String options = Macro.getOptions();
    try {
      String source, sha256 = "", collection = "";
      if (options != null) {
        Map<String, String> given = RunSettings.parse(options);
        source = RunSettings.value(given, "source", "url");
        sha256 = RunSettings.value(given, "sha256");
        collection = RunSettings.value(given, "collection");
        if (source.isEmpty()) throw new DeepImageException("the macro gives no source: add source=[URL, zip file or model id]");
      } else {
        GenericDialog gd = new GenericDialog("DeepImage Install Model");
        gd.addStringField("Source", "", 48);
        gd.addMessage("A URL of a bundle .zip or rdf.yaml, a .zip on this computer,\n"
            + "or a bioimage.io model id or nickname. Installed into " + Models.folder());
        gd.addStringField("SHA256 (optional)", "", 48);
        gd.showDialog();
        if (gd.wasCanceled()) {
          System.setProperty(Report.STATUS, "cancelled");
          return;
        }
        source = gd.getNextString().trim();
        sha256 = gd.getNextString().trim();
        if (source.isEmpty()) throw new DeepImageException("no source given");
      }
      IJ.log("DeepImage: installed " + install(source, sha256, collection));
      Report.ok();
    } catch (DeepImageException e) {
      Report.error(e.getMessage());
    }
  }

  /** Pulls the model into the models folder; returns what the CLI says it installed. */
  static String install(String source, String sha256, String collection) throws DeepImageException {
    if (!Models.folder().isDirectory() && !Models.folder().mkdirs())
      throw new DeepImageException("cannot make the models folder \"" + Models.folder() + "\"");
    List<String> args = new ArrayList<String>(Arrays.asList("pull", source, "--dir", Models.folder().getPath(), "--json"));
    if (!sha256.isEmpty()) args.addAll(Arrays.asList("--sha256", sha256));
    if (!collection.isEmpty()) args.addAll(Arrays.asList("--collection", collection));
    Cli.Result r = Cli.runToSuccess(args, new Cli.Listener() {
      public void progress(Map<String, Object> event) {}

      public void line(String line) {
        if (!line.startsWith("error: ")) IJ.showStatus("DeepImage install: " + line);
      }
    }, null);
    try {
      Map<String, Object> report = Json.object(Json.parse(r.out));
      String path = Json.string(report, "path");
      return path.isEmpty() ? r.out.trim() : path;
    } catch (IllegalArgumentException notJson) {
      return r.out.trim();
    }
  }
}
