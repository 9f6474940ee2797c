#include <iostream>

#include "commands.hpp"
#include "deepimage/memory_size.hpp"
#include "deepimage/serve.hpp"
#include "interrupt.hpp"

namespace deepimage::cli {
namespace {

namespace fs = std::filesystem;

// The front end beside the binary: installed as <prefix>/share/deepimage/web (the binary in
// <prefix>/bin), or built in the build tree's web/dist (the binary in build/apps/cli). Empty when
// neither holds an index.html.
fs::path default_web_folder() {
  std::error_code ec;
  const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  if (ec) return {};
  const fs::path bin = exe.parent_path();
  for (const fs::path& candidate : {bin / "web", bin / ".." / "share" / "deepimage" / "web", bin / ".." / ".." / "web" / "dist"})
    if (fs::is_regular_file(candidate / "index.html", ec)) return candidate.lexically_normal();
  return {};
}

}  // namespace

void add_serve_command(CLI::App& app, int& exit_code) {
  auto* cmd = app.add_subcommand("serve", "Start the local web app: model gallery, runs with live progress, viewer (http://127.0.0.1:8080)");
  auto options = std::make_shared<ServeOptions>();
  auto max_upload = std::make_shared<std::string>("512M");
  cmd->add_option("--port", options->port, "Port to listen on; 0 picks a free one (printed on start)")->check(CLI::Range(0, 65535))->capture_default_str();
  cmd->add_option("--host", options->host, "Address to listen on; anything but 127.0.0.1 lets other machines in")->capture_default_str();
  cmd->add_option("--models", options->models, "Models folder (default: $DEEPIMAGE_MODELS, else ~/.local/share/deepimage/models)");
  cmd->add_option("--max-upload", *max_upload, "Largest request body (an uploaded image), e.g. 512M, 2G")->capture_default_str();
  cmd->add_option("--web", options->web, "Folder of the built front end (default: the one installed beside the binary)");
  cmd->add_option("--jobs", options->jobs, "Runs at the same time; each uses every core")->check(CLI::Range(1, 64))->capture_default_str();
  cmd->add_option("--keep-runs", options->keep_runs, "Finished runs kept with their files; the oldest beyond this are removed")
      ->check(CLI::Range(1, 100000))
      ->capture_default_str();
  cmd->callback([=, &exit_code] {
    options->max_upload = parse_memory_size(*max_upload, "--max-upload");
    if (options->web.empty()) options->web = default_web_folder();
    options->stop = interrupt_flag();
    options->on_listening = [options](const std::string& host, int port) {
      const std::string shown = host.find(':') != std::string::npos ? "[" + host + "]" : host;
      std::cout << "listening on http://" << shown << ":" << port << "/" << std::endl;
      if (options->web.empty()) std::cout << "(the web front end was not found: only the JSON API under /api answers)" << std::endl;
    };
    serve(*options);
    exit_code = 0;
  });
}

}  // namespace deepimage::cli
