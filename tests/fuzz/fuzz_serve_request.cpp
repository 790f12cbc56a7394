// serve's HTTP request handling (serve/openai_server.h) on arbitrary request bodies, over
// loopback, against the tiny 1-layer llama of the gguf corpus: the first byte picks the route
// (/v1/completions, /v1/chat/completions, /v1/models), the rest is the body. Every request must get
// an HTTP answer whose body is a JSON object: 200, or a 4xx/503 carrying {"error": {...}}. A dropped
// connection, another 5xx, a body that is not JSON, a sanitizer report or a crash is a finding.
#include <cstdlib>
#include <memory>
#include <string>
#include <thread>

#include <httplib.h>
#include <nlohmann/json.hpp>

#include "core/error.h"
#include "fuzz_target.h"
#include "gguf/gguf_file.h"
#include "model/model.h"
#include "serve/openai_server.h"
#include "tokenizer/tokenizer.h"

namespace {

struct LoopbackServer {
    std::unique_ptr<qs::OpenAiServer> server;
    std::thread thread;
    int port = 0;
};

// Started once and never stopped: the process ends with the fuzzer.
LoopbackServer& loopback_server() {
    static LoopbackServer* s = [] {
        auto* l = new LoopbackServer;
        const auto model = qs::Model::load(QS_FUZZ_TINY_MODEL);
        std::shared_ptr<const qs::Tokenizer> tokenizer = qs::Tokenizer::from_gguf(model->file());
        qs::ServeOptions o;
        o.port = 0;
        o.model_id = "tiny";
        o.chat_template = "chatml";
        o.n_ctx = 256;        // bounds the work a request can ask for (max_tokens is cut to the context)
        o.max_body_bytes = 1 << 16;
        o.threads = 1;
        l->server = std::make_unique<qs::OpenAiServer>(model, tokenizer, o);
        l->port = l->server->bind();
        l->thread = std::thread([l] { l->server->listen(); });
        l->thread.detach();
        return l;
    }();
    return *s;
}

}  // namespace

#ifdef QS_FUZZ_LIBFUZZER
extern "C" int LLVMFuzzerInitialize(int*, char***) {
    loopback_server();
    return 0;
}
#endif

QS_FUZZ_TARGET(serve_request) {
    if (size < 1) return;
    static const char* const routes[] = {"/v1/completions", "/v1/chat/completions", "/v1/models"};
    const std::string route = routes[data[0] % 3];
    const std::string body(reinterpret_cast<const char*>(data + 1), size - 1);
    httplib::Client client("127.0.0.1", loopback_server().port);
    client.set_read_timeout(20, 0);
    const httplib::Result res = route == "/v1/models" ? client.Get(route) : client.Post(route, body, "application/json");
    if (!res) std::abort();  // no answer: the server dropped the connection
    if (res->status >= 500 && res->status != 503) std::abort();
    const nlohmann::json j = nlohmann::json::parse(res->body, nullptr, false);
    if (!j.is_object()) std::abort();
    if (res->status != 200 && !(j.contains("error") && j["error"].is_object())) std::abort();
}
