// An OpenAiServer on 127.0.0.1 (a free port) in a thread of the test, stopped when it goes away.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <thread>

#include <httplib.h>

#include "serve/openai_server.h"

namespace qs::test {

class LoopbackServer {
public:
    LoopbackServer(std::shared_ptr<const Model> model, std::shared_ptr<const Tokenizer> tokenizer, ServeOptions options) {
        options.host = "127.0.0.1";
        options.port = 0;
        if (options.model_id.empty()) options.model_id = "test-model";
        server_ = std::make_unique<OpenAiServer>(std::move(model), std::move(tokenizer), std::move(options));
        port_ = server_->bind();
        thread_ = std::thread([this] { server_->listen(); });
        httplib::Client probe("127.0.0.1", port_);  // ready when /health answers
        for (int i = 0; i < 500 && !probe.Get("/health"); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    ~LoopbackServer() {
        server_->stop();
        thread_.join();
    }
    int port() const { return port_; }
    std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
    const ServeOptions& options() const { return server_->options(); }

private:
    std::unique_ptr<OpenAiServer> server_;
    std::thread thread_;
    int port_ = 0;
};

}  // namespace qs::test
