// The demo's text and generated datasets: the split is disjoint and as documented, the files are
// deterministic, the task is well-formed in the generic jsonl format and only uses held-out verses.
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <map>
#include <set>
#include <string>

#include <gtest/gtest.h>

#include "common/test_paths.h"
#include "core/error.h"
#include "datasets/task_dataset.h"
#include "demo/demo_assets.h"
#include "demo/demo_test_support.h"
#include "demo/kjv_text.h"

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

    // Every choice is a held-out verse (never from a training book) and the gold is the verse after the context's two.
    std::set<std::string> held_verses;
    for (const auto& bk : held) held_verses.insert(bk.verses.begin(), bk.verses.end());
    std::map<std::string, std::string> next_of_pair;  // "v1\nv2" -> v3
    for (const auto& bk : held)
        for (size_t i = 0; i + 2 < bk.verses.size(); ++i)
            next_of_pair[bk.verses[i] + "\n" + bk.verses[i + 1]] = bk.verses[i + 2];

    auto task = qs::dataset_load(a.task_format, a.task_path);
    ASSERT_EQ(int64_t(task.items.size()), a.task_items);
    EXPECT_EQ(task.items.size(), 400u);
    int gold_positions[4] = {0, 0, 0, 0};
    for (const auto& item : task.items) {
        ASSERT_EQ(item.choices.size(), 4u) << item.id;
        const std::string& ctx = item.choices[0].context;
        auto it = next_of_pair.find(ctx);
        ASSERT_NE(it, next_of_pair.end()) << item.id;
        EXPECT_EQ(item.choices[item.gold].continuation, "\n" + it->second) << item.id;
        std::set<std::string> distinct;
        for (const auto& c : item.choices) {
            distinct.insert(c.text);
            EXPECT_EQ(held_verses.count(c.text), 1u) << item.id << ": a choice that is not a held-out verse";
        }
        EXPECT_EQ(distinct.size(), 4u) << item.id;
        ++gold_positions[item.gold];
    }
    for (int g : gold_positions) EXPECT_GT(g, 60) << "gold positions are not spread";
}
