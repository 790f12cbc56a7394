// One prepared SQLite statement whose every failure is a qs::Error naming the database file and
// what it holds ("results database", "drift database"), with SQLite's message made actionable
// (sqlite_error_text). Shared by the results store and remote/'s drift store.
#pragma once

#include <cstdint>
#include <string>

struct sqlite3;
struct sqlite3_stmt;

namespace qs {

// SQLite's message for the last error, with what a user can act on: what read-only means here,
// and for a failed write, the free space and the file size limit.
std::string sqlite_error_text(sqlite3* db);

class SqliteStatement {
public:
    SqliteStatement(sqlite3* db, std::string db_path, std::string what, const char* sql);
    ~SqliteStatement();
    SqliteStatement(const SqliteStatement&) = delete;
    SqliteStatement& operator=(const SqliteStatement&) = delete;

    SqliteStatement& bind(int i, int64_t v);
    SqliteStatement& bind(int i, int v) { return bind(i, int64_t(v)); }
    SqliteStatement& bind(int i, double v);  // NaN is stored as NULL (SQLite would do so anyway, silently)
    SqliteStatement& bind(int i, const std::string& v);
    bool step();   // true while a row is available
    void run();    // steps to the end, then resets
    void reset();  // resets and clears the bindings
    int64_t i64(int c) const;
    double real(int c) const;  // NULL reads as NaN
    std::string text(int c) const;

private:
    SqliteStatement& check(int rc);
    [[noreturn]] void fail() const;
    sqlite3* db_;
    std::string path_, what_;
    sqlite3_stmt* st_ = nullptr;
};

}  // namespace qs
