// quantscope-cli serve --model M [--precision P] [--host 127.0.0.1] [--port 8080] [--api-key-env VAR]
//
// The model at a precision behind an OpenAI-compatible HTTP API (engine/serve). Runs until Ctrl-C
// or SIGTERM. One line per request on stderr (method, path, status, time, token counts) unless --quiet.
#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <mutex>
#include <thread>

#include <fmt/format.h>

#include "api_key_env.h"
#include "commands.h"
#include "model/model.h"
#include "model_precision.h"
#include "serve/openai_server.h"
#include "tokenizer/tokenizer.h"

namespace qs::cli {
namespace {

struct ServeCliOptions {
    std::string model, precision = kAsLoaded, api_key_env, model_name;
    ServeOptions serve;
};

std::atomic<bool> g_stop{false};
extern "C" void on_stop_signal(int) { g_stop.store(true); }

void run(ServeCliOptions& o, const GlobalOptions& global) {
    set_threads(o.serve.threads);
    o.serve.api_key = api_key_from_env(o.api_key_env, "serve");
    const auto base = Model::load(o.model);
    double quantize_seconds = 0;
    const auto model = model_at(base, o.precision, o.serve.threads, global.quiet, quantize_seconds);
    std::shared_ptr<const Tokenizer> tokenizer = Tokenizer::from_gguf(base->file());
    const std::filesystem::path path(o.model);
    o.serve.model_id = o.model_name.empty() ? path.stem().string() : o.model_name;
    std::error_code ec;
    o.serve.fingerprint = serve_fingerprint(fmt::format("quantscope 0.1.0|{}|{}|{}", path.filename().string(),
                                                        std::filesystem::file_size(path, ec), o.precision));
    std::mutex log_mutex;
    if (!global.quiet)
        o.serve.log = [&log_mutex](const std::string& line) {
            std::lock_guard lock(log_mutex);
            std::fprintf(stderr, "serve: %s\n", line.c_str());
        };

    OpenAiServer server(model, tokenizer, o.serve);
    const int port = server.bind();
    std::fprintf(stderr, "serve: %s at %s as '%s' on http://%s:%d/v1 (context %d, API key %s)\n", o.model.c_str(), o.precision.c_str(),
                 o.serve.model_id.c_str(), o.serve.host.c_str(), port, server.options().n_ctx,
                 o.serve.api_key.empty() ? "not required" : ("required, from $" + o.api_key_env).c_str());
    std::fflush(stderr);

    g_stop.store(false);
    std::signal(SIGINT, on_stop_signal);
    std::signal(SIGTERM, on_stop_signal);
    std::atomic<bool> done{false};
    std::thread watcher([&] {
        while (!done.load() && !g_stop.load()) std::this_thread::sleep_for(std::chrono::milliseconds(100));
        server.stop();
    });
    server.listen();
    done.store(true);
    watcher.join();
    std::fprintf(stderr, "serve: stopped\n");
}

}  // namespace

void add_serve_command(CLI::App& app, const GlobalOptions& global) {
    auto o = std::make_shared<ServeCliOptions>();
    CLI::App* cmd = app.add_subcommand("serve", "Serve a model at a precision over an OpenAI-compatible HTTP API");
    cmd->add_option("-m,--model", o->model, "GGUF model file")->required();
    cmd->add_option("-p,--precision", o->precision, "Precision recipe (Q4_K_M, Q8_0, ...) or 'file'")->capture_default_str();
    cmd->add_option("--host", o->serve.host, "Address to listen on (loopback by default)")->capture_default_str();
    cmd->add_option("--port", o->serve.port, "Port (0: any free port)")->capture_default_str()->check(CLI::Range(0, 65535));
    cmd->add_option("--api-key-env", o->api_key_env, "Require 'Authorization: Bearer <key>' with the key read from this environment variable");
    cmd->add_option("--model-name", o->model_name, "Name clients pass as \"model\" (default: the file name without .gguf)");
    cmd->add_option("-c,--ctx", o->serve.n_ctx, "Context per request (0: the model's, at most 4096)")->capture_default_str()->check(CLI::NonNegativeNumber);
    cmd->add_option("--chat-template", o->serve.chat_template, "Chat template for /v1/chat/completions: auto, none or a family (chatml, llama3, ...)")->capture_default_str();
    cmd->add_option("--max-body", o->serve.max_body_bytes, "Largest request body in bytes (larger: 413)")->capture_default_str();
    cmd->add_option("--max-logprobs", o->serve.max_logprobs, "Largest top-N a request may ask for")->capture_default_str()->check(CLI::Range(0, 1 << 20));
    cmd->add_option("--max-pending", o->serve.max_pending, "Requests waiting before the server answers 503")->capture_default_str();
    cmd->add_option("-w,--workers", o->serve.workers, "Worker threads, each with its own KV cache, each generating for up to --batch requests")
        ->capture_default_str()
        ->check(CLI::Range(1, 64));
    cmd->add_option("--batch", o->serve.batch,
                    "Requests a worker generates for together, one forward pass per token (fewer when the model's batch is not "
                    "bit-identical to one at a time; 1: one at a time)")
        ->capture_default_str()
        ->check(CLI::Range(1, 256));
    cmd->add_option("-t,--threads", o->serve.threads, "Threads in total (0: every core)")->capture_default_str()->check(CLI::Range(0, 1024));
    cmd->callback([o, &global] { run(*o, global); });
}

}  // namespace qs::cli
