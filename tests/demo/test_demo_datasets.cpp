// The demo's text and generated datasets: the split is disjoint and as documented, the files are
// deterministic, the task is well-formed in the generic jsonl format and only uses held-out verses.
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <map>
#include <set>
#include <sstream>
#include <string>

#include <gtest/gtest.h>

#include "common/test_paths.h"
#include "core/error.h"
#include "datasets/task_dataset.h"
#include "demo/demo_assets.h"
#include "demo/demo_test_support.h"
#include "demo/kjv_text.h"
#include "demo/next_word_task.h"

namespace {

std::string slurp(const std::string& path) {
    std::ifstream f(path, std::ios::binary);
    return std::string((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
}

}  // namespace

TEST(DemoText, ReadsAllBooksAndSplitsByTheDocumentedRule) {
    QS_REQUIRE_KJV();
    auto books = qs::kjv_read();
    ASSERT_EQ(books.size(), 66u);
    size_t verses = 0;
    for (const auto& b : books) verses += b.verses.size();
    EXPECT_EQ(verses, 31102u);  // the KJV's verse count
    EXPECT_EQ(books.front().verses.front(), "In the beginning God created the heaven and the earth.");
    auto held = qs::kjv_select(books, true);
    std::vector<std::string> names;
    for (const auto& b : held) names.push_back(b.name);
    EXPECT_EQ(names, (std::vector<std::string>{"2 Samuel", "Proverbs", "Amos", "Matthew", "Philippians", "1 Peter"}));
    EXPECT_EQ(qs::kjv_select(books, false).size() + held.size(), 66u);
}

TEST(DemoText, MissingReaderNamesThePackage) {
    setenv("QS_DEMO_BIBLE", "/nonexistent/bible", 1);
    try {
        qs::kjv_read();
        ADD_FAILURE() << "expected qs::Error";
    } catch (const qs::Error& e) {
        std::string what = e.what();
        EXPECT_NE(what.find("/nonexistent/bible"), std::string::npos) << what;
        EXPECT_NE(what.find("apt-get install bible-kjv"), std::string::npos) << what;
    }
    unsetenv("QS_DEMO_BIBLE");
}

TEST(DemoAssets, GeneratesDeterministicHeldOutDatasets) {
    QS_REQUIRE_KJV();
    setenv("QS_DEMO_MODEL", "/dev/null", 1);  // the model is not what this test is about
    const std::string dir = qs::test::temp_dir();
    qs::Progress progress;
    qs::DemoAssets a = qs::demo_prepare(dir + "/one", progress);
    EXPECT_TRUE(a.generated);
    qs::DemoAssets again = qs::demo_prepare(dir + "/one", progress);
    EXPECT_FALSE(again.generated);
    qs::DemoAssets b = qs::demo_prepare(dir + "/two", progress);
    EXPECT_EQ(slurp(a.corpus_path), slurp(b.corpus_path));
    EXPECT_EQ(slurp(a.task_path), slurp(b.task_path));
    unsetenv("QS_DEMO_MODEL");

    auto books = qs::kjv_read();
    auto held = qs::kjv_select(books, true);
    EXPECT_EQ(slurp(a.corpus_path), qs::kjv_books_text(held));

    // Each item: the context followed by " " + the gold word is held-out text (previous verse, newline,
    // the verse's first words); every choice is a word of the same held-out book.
    const std::string corpus = qs::kjv_books_text(held);
    std::map<std::string, std::set<std::string>> words_of_book;
    for (const auto& bk : held)
        for (const auto& v : bk.verses) {
            std::istringstream in(v);
            std::string w;
            while (in >> w) words_of_book[bk.name].insert(qs::task_word(w));
        }

    auto task = qs::dataset_load(a.task_format, a.task_path);
    ASSERT_EQ(int64_t(task.items.size()), a.task_items);
    EXPECT_GE(task.items.size(), 390u);
    EXPECT_LE(task.items.size(), 400u);
    int gold_positions[4] = {0, 0, 0, 0};
    for (const auto& item : task.items) {
        ASSERT_EQ(item.choices.size(), 4u) << item.id;
        const auto& gold = item.choices[item.gold];
        EXPECT_NE(corpus.find(gold.context + gold.continuation), std::string::npos) << item.id;
        EXPECT_NE(gold.context.find('\n'), std::string::npos) << item.id << ": the previous verse is missing";
        std::string book = item.id.substr(0, item.id.rfind(' ', item.id.rfind(' ') - 1));
        ASSERT_EQ(words_of_book.count(book), 1u) << item.id;
        std::set<std::string> distinct;
        for (const auto& c : item.choices) {
            distinct.insert(c.text);
            EXPECT_EQ(c.continuation, " " + c.text) << item.id;
            EXPECT_EQ(words_of_book[book].count(c.text), 1u) << item.id << ": '" << c.text << "' is not a word of " << book;
        }
        EXPECT_EQ(distinct.size(), 4u) << item.id;
        ++gold_positions[item.gold];
    }
    for (int g : gold_positions) EXPECT_GT(g, 60) << "gold positions are not spread";
}
