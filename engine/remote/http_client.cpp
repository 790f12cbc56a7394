#include "remote/http_client.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <mutex>
#include <random>
#include <thread>

#include <curl/curl.h>
#include <fmt/format.h>

#include "core/error.h"

namespace qs {

namespace {

struct Transfer {
    std::string body;
    size_t limit = 0;
    bool too_large = false;
    double retry_after = -1;  // seconds, from the Retry-After header
};

size_t on_body(char* data, size_t size, size_t n, void* user) {
    auto* t = static_cast<Transfer*>(user);
    if (t->body.size() + size * n > t->limit) {
        t->too_large = true;
        return 0;  // aborts the transfer
    }
    t->body.append(data, size * n);
    return size * n;
}

size_t on_header(char* data, size_t size, size_t n, void* user) {
    auto* t = static_cast<Transfer*>(user);
    std::string line(data, size * n);
    std::string lower = line.substr(0, 12);
    std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return char(std::tolower(c)); });
    if (lower == "retry-after:") {
        try {
            t->retry_after = std::stod(line.substr(12));
        } catch (const std::exception&) {
        }
    }
    return size * n;
}

// libcurl's progress callback: a non-zero return aborts the transfer (CURLE_ABORTED_BY_CALLBACK).
int on_progress(void* user, curl_off_t, curl_off_t, curl_off_t, curl_off_t) {
    return static_cast<const std::atomic<bool>*>(user)->load() ? 1 : 0;
}

bool retryable_status(long s) { return s == 429 || s == 500 || s == 502 || s == 503 || s == 504; }

// A transient network failure worth another attempt (not a TLS verification failure or a bad URL).
bool retryable_curl(CURLcode c) {
    return c == CURLE_COULDNT_CONNECT || c == CURLE_OPERATION_TIMEDOUT || c == CURLE_RECV_ERROR || c == CURLE_SEND_ERROR ||
           c == CURLE_GOT_NOTHING || c == CURLE_PARTIAL_FILE;
}

void global_init() {
    static std::once_flag once;
    std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

}  // namespace

HttpClient::HttpClient(HttpOptions options) : options_(std::move(options)) {
    global_init();
    options_.concurrency = std::max(1, options_.concurrency);
}

std::string HttpClient::redact(std::string message) const {
    if (options_.api_key.empty()) return message;
    for (size_t p; (p = message.find(options_.api_key)) != std::string::npos;) message.replace(p, options_.api_key.size(), "***");
    return message;
}

HttpResponse HttpClient::post_json(const std::string& url, const std::string& body) { return perform(url, &body); }
HttpResponse HttpClient::get(const std::string& url) { return perform(url, nullptr); }

HttpResponse HttpClient::perform(const std::string& url, const std::string* body) {
    {  // one of `concurrency` slots
        std::unique_lock lock(slots_mutex_);
        slots_free_.wait(lock, [&] { return in_flight_ < options_.concurrency; });
        ++in_flight_;
    }
    struct Release {
        HttpClient* c;
        ~Release() {
            {
                std::lock_guard lock(c->slots_mutex_);
                --c->in_flight_;
            }
            c->slots_free_.notify_one();
        }
    } release{this};

    thread_local std::mt19937 jitter_rng{std::random_device{}()};
    const char* method = body ? "POST" : "GET";
    const std::atomic<bool>* abort = options_.abort.get();
    auto aborted = [&] { return abort && abort->load(); };
    std::string last_problem;
    for (int attempt = 0;; ++attempt) {
        if (aborted()) throw Cancelled();
        ++requests_;
        CURL* curl = curl_easy_init();
        if (!curl) throw Error(fmt::format("{} {}: cannot start a libcurl transfer", method, url));
        Transfer t;
        t.limit = options_.max_response_bytes;
        curl_slist* headers = curl_slist_append(nullptr, "Content-Type: application/json");
        headers = curl_slist_append(headers, "Accept: application/json");
        if (!options_.api_key.empty()) headers = curl_slist_append(headers, ("Authorization: Bearer " + options_.api_key).c_str());
        curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
        curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
        curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
        curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, 0L);
        curl_easy_setopt(curl, CURLOPT_SSL_VERIFYPEER, 1L);
        curl_easy_setopt(curl, CURLOPT_SSL_VERIFYHOST, 2L);
        curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
        curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, long(options_.connect_timeout_seconds * 1000));
        curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, long(options_.timeout_seconds * 1000));
        curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, on_body);
        curl_easy_setopt(curl, CURLOPT_WRITEDATA, &t);
        curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, on_header);
        curl_easy_setopt(curl, CURLOPT_HEADERDATA, &t);
        if (abort) {
            curl_easy_setopt(curl, CURLOPT_NOPROGRESS, 0L);
            curl_easy_setopt(curl, CURLOPT_XFERINFOFUNCTION, on_progress);
            curl_easy_setopt(curl, CURLOPT_XFERINFODATA, abort);
        }
        if (body) {
            curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body->data());
            curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, curl_off_t(body->size()));
        }
        const CURLcode rc = curl_easy_perform(curl);
        long status = 0;
        curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
        curl_slist_free_all(headers);
        curl_easy_cleanup(curl);

        if (aborted()) throw Cancelled();
        if (t.too_large)
            throw Error(fmt::format("{} {}: the response is larger than {} bytes", method, url, options_.max_response_bytes));
        bool retry = false;
        if (rc != CURLE_OK) {
            last_problem = curl_easy_strerror(rc);
            if (!retryable_curl(rc)) throw Error(redact(fmt::format("{} {}: {}", method, url, last_problem)));
            retry = true;
        } else if (retryable_status(status)) {
            last_problem = fmt::format("HTTP {}: {}", status, t.body.substr(0, 300));
            retry = true;
        }
        if (!retry) return {status, std::move(t.body)};
        if (attempt >= options_.max_retries)
            throw Error(redact(fmt::format("{} {}: {} (after {} attempts)", method, url, last_problem, attempt + 1)));
        ++retries_;
        double wait = std::min(30.0, options_.backoff_seconds * std::pow(2.0, attempt));
        wait *= std::uniform_real_distribution<double>(0.75, 1.25)(jitter_rng);
        if (t.retry_after >= 0) wait = std::min(60.0, std::max(wait, t.retry_after));
        const auto until = std::chrono::steady_clock::now() + std::chrono::duration<double>(wait);
        while (!aborted() && std::chrono::steady_clock::now() < until) std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
}

}  // namespace qs
