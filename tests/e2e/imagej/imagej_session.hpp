// Runs the real ImageJ (Debian's ij.jar) with the DeepImage plugin installed, as a user's macro would:
//
//   ImageJSession ij;                                   // a fresh ImageJ home, plugins and models folder
//   ImageJResult r = ij.run_macro("run(\"DeepImage Run\", \"model=...\"); print(getInfo(\"deepimage.status\"));");
//   EXPECT_NE(r.out.find("ok"), std::string::npos);
//
// ImageJ 1.x needs an X display for menu commands, so it runs under `xvfb-run -a`; `-batch` exits 0
// whatever the macro did and a modal dialog would hang the JVM, so every run is bounded by `timeout`
// and the tests read what the macro printed and saved.
#pragma once

#include <filesystem>
#include <string>

#include "support/cli.hpp"

namespace deepimage::testing {

struct ImageJResult {
  int exit_code = -1;  // 124: the timeout stopped ImageJ (a hang)
  std::string out;     // stdout and stderr: the macro's print() lines and the Log
};

class ImageJSession {
 public:
  ImageJSession() {
    std::filesystem::create_directories(dir_ / "plugins");
    std::filesystem::copy_file(DEEPIMAGE_IMAGEJ_PLUGIN, dir_ / "plugins" / "DeepImage_.jar");
    std::filesystem::create_directories(models());
  }
  const std::filesystem::path& dir() const { return dir_.path(); }
  std::filesystem::path models() const { return dir_ / "models"; }
  // The bundle, used in place, appears in the models folder under `name`.
  void add_model(const std::filesystem::path& bundle, const std::string& name) const {
    std::filesystem::create_directory_symlink(bundle, models() / name);
  }

  // `java` runs `java_args` (after the class path) with the plugin, the CLI and the models folder set.
  ImageJResult run_java(const std::string& java_args, bool headless, int timeout_s = 300) const {
    const std::filesystem::path log = dir_ / "imagej.log";
    std::string command = "cd " + shell_quote(dir_.path().string()) + " && HOME=" + shell_quote(dir_.path().string()) +
                          " DEEPIMAGE_CLI=" + shell_quote(DEEPIMAGE_CLI) + " DEEPIMAGE_MODELS=" + shell_quote(models().string()) +
                          " timeout -k 10 " + std::to_string(timeout_s) + " " + (headless ? "" : "xvfb-run -a -s '-screen 0 1280x1024x24' ") +
                          "java " + (headless ? "-Djava.awt.headless=true " : "") + "-Dplugins.dir=" +
                          shell_quote(dir_.path().string()) + " " + java_args + " > " + shell_quote(log.string()) + " 2>&1";
    const int status = std::system(command.c_str());
    ImageJResult r;
    r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    r.out = slurp(log);
    return r;
  }

  ImageJResult run_macro(const std::string& macro, bool headless = false, int timeout_s = 300) const {
    const std::filesystem::path file = dir_ / "test.ijm";
    std::ofstream(file) << macro;
    // Headless, the plugin is reached through call(): the jar goes on the class path.
    const std::string class_path = headless ? std::string(DEEPIMAGE_IMAGEJ_JAR) + ":" + DEEPIMAGE_IMAGEJ_PLUGIN : DEEPIMAGE_IMAGEJ_JAR;
    return run_java("-cp " + shell_quote(class_path) + " ij.ImageJ -batch " + shell_quote(file.string()), headless, timeout_s);
  }

 private:
  TempDir dir_;
};

}  // namespace deepimage::testing
