package deepimage.imagej;

import ij.IJ;
import ij.ImagePlus;
import ij.ImageStack;
import ij.io.FileSaver;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.StandardCopyOption;

/** The files an ImageJ image travels in to and from the CLI. The user's image is never changed. */
final class ImageFiles {
  private ImageFiles() {}

  /**
   * Writes `imp` (or only its current plane with all its channels) as an ImageJ TIFF the CLI reads as a
   * hyperstack. It saves a second ImagePlus over the same pixels, because FileSaver renames the image
   * it saves and marks it unchanged.
   */
  static void saveCopy(ImagePlus imp, boolean onlyCurrentPlane, File file) throws DeepImageException {
    ImagePlus copy;
    if (onlyCurrentPlane && imp.getNSlices() * imp.getNFrames() > 1) {
      ImageStack stack = new ImageStack(imp.getWidth(), imp.getHeight());
      for (int c = 1; c <= imp.getNChannels(); c++)
        stack.addSlice(imp.getStack().getSliceLabel(imp.getStackIndex(c, imp.getSlice(), imp.getFrame())),
            imp.getStack().getProcessor(imp.getStackIndex(c, imp.getSlice(), imp.getFrame())));
      copy = new ImagePlus(imp.getTitle(), stack);
      copy.setDimensions(imp.getNChannels(), 1, 1);
    } else {
      copy = new ImagePlus(imp.getTitle(), imp.getStack());
      copy.setDimensions(imp.getNChannels(), imp.getNSlices(), imp.getNFrames());
    }
    copy.setCalibration(imp.getCalibration().copy());
    if (copy.getNDimensions() > 3) copy.setOpenAsHyperStack(true);
    boolean saved = copy.getStackSize() > 1 ? new FileSaver(copy).saveAsTiffStack(file.getPath())
                                            : new FileSaver(copy).saveAsTiff(file.getPath());
    if (!saved) throw new DeepImageException("cannot write the image to the temporary file \"" + file + "\"");
  }

  static ImagePlus open(File file, String title) throws DeepImageException {
    ImagePlus imp = IJ.openImage(file.getPath());
    if (imp == null) throw new DeepImageException("ImageJ cannot open the result \"" + file + "\"");
    imp.setTitle(title);
    return imp;
  }

  /** Copies `from` to `to` through a temporary file in the target folder, so `to` is never left half written. */
  static void copy(File from, File to) throws DeepImageException {
    File folder = to.getAbsoluteFile().getParentFile();
    try {
      if (folder != null) Files.createDirectories(folder.toPath());
      File temp = File.createTempFile("." + to.getName() + ".", ".tmp", folder);
      Files.copy(from.toPath(), temp.toPath(), StandardCopyOption.REPLACE_EXISTING);
      Files.move(temp.toPath(), to.toPath(), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException e) {
      throw new DeepImageException("cannot save the result as \"" + to + "\": " + e.getMessage());
    }
  }

  /**
   * What `deepimage run` or `example` is given as -o in `folder`: result.tif for a model with one output,
   * else the folder results/ (made here), where the CLI writes one file per output.
   */
  static File resultTarget(File folder, int outputs) throws DeepImageException {
    if (outputs == 1) return new File(folder, "result.tif");
    File results = new File(folder, "results");
    if (!results.mkdir()) throw new DeepImageException("cannot make the folder \"" + results + "\"");
    return results;
  }

  /** The CLI's file for output `id` in `target`: the target itself for one output, else <input stem>_<id>.tif. */
  static File resultFile(File target, int outputs, String inputFileName, String id) {
    return outputs == 1 ? target : new File(target, stem(inputFileName) + "_" + id + ".tif");
  }

  static File temporaryFolder() throws DeepImageException {
    try {
      return Files.createTempDirectory("deepimage-imagej-").toFile();
    } catch (IOException e) {
      throw new DeepImageException("cannot make a temporary folder: " + e.getMessage());
    }
  }

  static void delete(File fileOrFolder) {
    File[] children = fileOrFolder.listFiles();
    if (children != null) for (File c : children) delete(c);
    fileOrFolder.delete();
  }

  /** "cells.tif" -> "cells". */
  static String stem(String title) {
    int dot = title.lastIndexOf('.');
    return dot > 0 ? title.substring(0, dot) : title;
  }
}
