// The endpoint client's response handling (remote/openai_client.h) on arbitrary response bodies:
// a loopback server answers every request with the input (its first byte picks the status: 200,
// 400, 404 or 200 again), and the client asks what the evaluators ask — the served models, an
// echo of a token prompt with top log-probs, a greedy completion. Each must return or throw
// qs::Error (the endpoint's malformed answer named); any other exception, a sanitizer report or a
// crash is a finding. Retries are off: one request per call.
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <httplib.h>

#include "core/error.h"
#include "fuzz_target.h"
#include "remote/openai_client.h"

namespace {

struct CannedServer {
    httplib::Server server;
    std::thread thread;
    int port = 0;
    std::mutex mutex;
    int status = 200;
    std::string body;
};

CannedServer& canned_server() {
    static CannedServer* s = [] {
        auto* c = new CannedServer;
        auto answer = [c](const httplib::Request&, httplib::Response& res) {
            std::lock_guard<std::mutex> lock(c->mutex);
            res.status = c->status;
            res.set_content(c->body, "application/json");
        };
        c->server.Get(".*", answer);
        c->server.Post(".*", answer);
        c->port = c->server.bind_to_any_port("127.0.0.1");
        c->thread = std::thread([c] { c->server.listen_after_bind(); });
        c->thread.detach();
        return c;
    }();
    return *s;
}

}  // namespace

#ifdef QS_FUZZ_LIBFUZZER
extern "C" int LLVMFuzzerInitialize(int*, char***) {
    canned_server();
    return 0;
}
#endif

QS_FUZZ_TARGET(endpoint_response) {
    if (size < 1) return;
    CannedServer& s = canned_server();
    {
        std::lock_guard<std::mutex> lock(s.mutex);
        static const int statuses[] = {200, 400, 404, 200};
        s.status = statuses[data[0] % 4];
        s.body.assign(reinterpret_cast<const char*>(data + 1), size - 1);
    }
    qs::EndpointConfig config;
    config.url = "http://127.0.0.1:" + std::to_string(s.port);
    config.model = "tiny";
    config.http.max_retries = 0;
    config.http.timeout_seconds = 10;
    config.http.concurrency = 1;
    qs::OpenAiClient client(config);
    const std::vector<int32_t> prompt = {1, 15, 27, 3};
    try {
        client.identify();
    } catch (const qs::Error&) {
    }
    try {
        client.echo_tokens(prompt, 3);
    } catch (const qs::Error&) {
    }
    try {
        client.complete_greedy("Once upon a time", 4, {"\n"});
    } catch (const qs::Error&) {
    }
}
