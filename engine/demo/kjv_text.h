// The King James Bible (public domain) as Debian's bible-kjv package installs it: the demo model's
// training text and the source of the built-in datasets. The text is never shipped with QuantScope.
//
// Debian stores it compressed (/usr/lib/bible.data, package bible-kjv-text), so it is read through the
// package's own reader, /usr/bin/bible (package bible-kjv), asking for every verse with an unlimited
// line width. tools/demo/kjv_corpus.py parses the same output the same way; the two must stay in step.
#pragma once

#include <string>
#include <vector>

namespace qs {

struct KjvBook {
    std::string name;                 // "Genesis", "1 Samuel", ... as the reader prints it
    int index = 0;                    // 1-based canonical position (Genesis 1 .. Revelation 66)
    std::vector<std::string> verses;  // [n_verses] verse texts, no references, in order
};

// Where the text comes from: the reader program (env QS_DEMO_BIBLE overrides) and its data file.
std::string kjv_program_path();
inline constexpr const char* kKjvDataPath = "/usr/lib/bible.data";
inline constexpr const char* kKjvInstallHint = "install it with: sudo apt-get install bible-kjv bible-kjv-text";

// Reads all 66 books. Throws qs::Error naming the missing program or data file (with the apt-get
// line), or the reader's unexpected output.
std::vector<KjvBook> kjv_read();

// The split rule shared with the training recipe: a book is held out when its canonical index is a
// multiple of 10 (2 Samuel, Proverbs, Amos, Matthew, Philippians, 1 Peter).
bool kjv_is_held_out(int book_index);
std::vector<KjvBook> kjv_select(const std::vector<KjvBook>& books, bool held_out);

// Plain text of books: every verse on its own line, in order, final newline included.
std::string kjv_books_text(const std::vector<KjvBook>& books);

}  // namespace qs
