#include "tokenizer_test_util.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <sstream>
#include <stdexcept>

#ifdef QS_TEST_HAVE_ZLIB
#include <zlib.h>
#endif

#include "gguf/gguf_file.h"

namespace qs::test {

std::string read_binary(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw std::runtime_error("cannot open " + path);
    std::ostringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

std::string read_gzip(const std::string& path) {
    std::string out;
    char buf[1 << 16];
#ifdef QS_TEST_HAVE_ZLIB
    gzFile f = gzopen(path.c_str(), "rb");
    if (!f) throw std::runtime_error("cannot open " + path);
    for (int n; (n = gzread(f, buf, sizeof buf)) > 0;) out.append(buf, size_t(n));
    gzclose(f);
#else
    FILE* p = popen(("gzip -dc '" + path + "'").c_str(), "r");
    if (!p) throw std::runtime_error("cannot run gzip for " + path);
    for (size_t n; (n = fread(buf, 1, sizeof buf, p)) > 0;) out.append(buf, n);
    pclose(p);
#endif
    return out;
}

TokenizeLog parse_tokenize_log(const std::string& text) {
    TokenizeLog log;
    const size_t open = text.find("\n[");
    const size_t close = text.find(']', open);
    if (open == std::string::npos || close == std::string::npos) throw std::runtime_error("no id list in log");
    const char* p = text.data() + open + 2;
    const char* end = text.data() + close;
    while (p < end) {
        char* next = nullptr;
        const long v = std::strtol(p, &next, 10);
        if (next == p) break;
        log.ids.push_back(int32_t(v));
        p = next;
        while (p < end && (*p == ',' || *p == ' ')) ++p;
    }
    const std::string key = "Total number of tokens: ";
    if (const size_t k = text.find(key); k != std::string::npos) log.total = std::stoll(text.substr(k + key.size()));
    return log;
}

std::unique_ptr<Tokenizer> load_tokenizer(const std::string& gguf_path) {
    const GgufFile f = GgufFile::open(gguf_path);
    return Tokenizer::from_gguf(f);
}

std::vector<VocabCase> read_vocab_tests(const std::string& inp_path, const std::string& out_path) {
    const std::string raw = read_binary(inp_path);
    const std::string sep = "\n__ggml_vocab_test__\n";
    std::vector<std::string> texts;
    for (size_t pos = 0; pos < raw.size();) {
        const size_t next = raw.find(sep, pos);
        if (next == std::string::npos) {
            texts.push_back(raw.substr(pos));
            break;
        }
        texts.push_back(raw.substr(pos, next - pos));
        pos = next + sep.size();
    }
    std::istringstream out(read_binary(out_path));
    std::vector<VocabCase> cases;
    size_t i = 0;
    for (std::string line; std::getline(out, line); ++i) {
        VocabCase c;
        c.text = i < texts.size() ? texts[i] : std::string();
        std::istringstream ids(line);
        for (int32_t id; ids >> id;) c.expected.push_back(id);
        cases.push_back(std::move(c));
    }
    EXPECT_EQ(texts.size(), cases.size()) << "input and output files have different numbers of tests";
    return cases;
}

void run_vocab_tests(const Tokenizer& tok, const std::string& gguf, size_t min_cases) {
    const auto cases = read_vocab_tests(gguf + ".inp", gguf + ".out");
    ASSERT_GE(cases.size(), min_cases);
    size_t passed = 0;
    for (const VocabCase& c : cases) {
        const std::vector<int32_t> got = tok.encode(c.text, false, false);
        if (got == c.expected) {
            ++passed;
        } else {
            std::ostringstream g, e;
            for (int32_t id : got) g << id << ' ';
            for (int32_t id : c.expected) e << id << ' ';
            ADD_FAILURE() << "text '" << c.text << "'\n  got      " << g.str() << "\n  expected " << e.str();
        }
    }
    EXPECT_EQ(passed, cases.size());
    std::printf("[ vectors ] %s: %zu / %zu pass\n", gguf.c_str(), passed, cases.size());
}

}  // namespace qs::test
