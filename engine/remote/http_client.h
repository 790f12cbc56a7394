// HTTP(S) requests to a model endpoint with libcurl (OpenSSL): certificate verification on, no
// redirects (the Authorization header never goes to another host), a limit on requests in flight,
// timeouts, and retries with exponential backoff on what a busy server answers (429, 500, 502,
// 503, 504, connection failures), honouring Retry-After.
//
// Thread-safe: any number of threads may call post_json(); at most `concurrency` requests are in
// flight at once, the others wait their turn. The API key goes into one header and is removed from
// every error message (a server that echoes it back cannot make us print it).
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>

namespace qs {

struct HttpOptions {
    std::string api_key;             // sent as "Authorization: Bearer <key>"; "" = none
    int concurrency = 4;             // requests in flight at most
    int max_retries = 4;             // retries after the first attempt
    double backoff_seconds = 0.5;    // first wait; doubled each retry (capped at 30 s), +-25 % jitter
    double connect_timeout_seconds = 10;
    double timeout_seconds = 300;    // whole request
    size_t max_response_bytes = size_t(256) << 20;
    // When it turns true (a GUI's cancel, from any thread): transfers in flight stop within about
    // a second, back-off waits end, and every request throws qs::Cancelled. nullptr = never.
    std::shared_ptr<const std::atomic<bool>> abort;
};

struct HttpResponse {
    long status = 0;
    std::string body;
};

class HttpClient {
public:
    explicit HttpClient(HttpOptions options);

    // POST a JSON body. Returns any final 2xx/4xx response (4xx other than 429 are not retried: the
    // caller reads the server's message); throws qs::Error naming the URL after the retries are
    // spent on a 429/5xx or a network failure.
    HttpResponse post_json(const std::string& url, const std::string& body);
    HttpResponse get(const std::string& url);

    int64_t requests() const { return requests_.load(); }  // attempts made, retries included
    int64_t retries() const { return retries_.load(); }
    const HttpOptions& options() const { return options_; }

    // The message with every occurrence of the API key replaced by "***".
    std::string redact(std::string message) const;

private:
    HttpResponse perform(const std::string& url, const std::string* body);

    HttpOptions options_;
    std::mutex slots_mutex_;
    std::condition_variable slots_free_;
    int in_flight_ = 0;
    std::atomic<int64_t> requests_{0}, retries_{0};
};

}  // namespace qs
