#include "store/sqlite_statement.h"

#include <cmath>
#include <filesystem>
#include <limits>

#include <sqlite3.h>
#include <sys/resource.h>
#include <sys/statvfs.h>

#include "core/error.h"

namespace qs {
namespace {

// Why a write may have failed, from what SQLite cannot see: the space left on the database's
// disk and the process's file size limit (ulimit -f).
std::string write_failure_hint(sqlite3* db) {
    std::string hint;
    const char* file = sqlite3_db_filename(db, "main");
    struct statvfs fs {};
    if (file && *file && ::statvfs(std::filesystem::path(file).parent_path().c_str(), &fs) == 0)
        hint = fmt::format("{:.1f} MB free on its disk", double(fs.f_bavail) * double(fs.f_frsize) / 1e6);
    rlimit limit {};
    if (::getrlimit(RLIMIT_FSIZE, &limit) == 0 && limit.rlim_cur != RLIM_INFINITY)
        hint += fmt::format("{}file size limit (ulimit -f) {} bytes", hint.empty() ? "" : ", ", uint64_t(limit.rlim_cur));
    return hint;
}

}  // namespace

std::string sqlite_error_text(sqlite3* db) {
    std::string msg = sqlite3_errmsg(db);
    const int code = sqlite3_extended_errcode(db);
    if ((code & 0xff) == SQLITE_READONLY)
        msg += " (the database file or its folder is read-only: check their permissions, or use another database)";
    else if ((code & 0xff) == SQLITE_FULL || code == SQLITE_IOERR_WRITE || code == SQLITE_IOERR_FSYNC ||
             code == SQLITE_IOERR_TRUNCATE)
        msg += " (the disk is full or a file size limit was reached: " + write_failure_hint(db) +
               "; every job committed before is kept)";
    return msg;
}

SqliteStatement::SqliteStatement(sqlite3* db, std::string db_path, std::string what, const char* sql)
    : db_(db), path_(std::move(db_path)), what_(std::move(what)) {
    if (sqlite3_prepare_v2(db, sql, -1, &st_, nullptr) != SQLITE_OK) fail();
}

SqliteStatement::~SqliteStatement() { sqlite3_finalize(st_); }

SqliteStatement& SqliteStatement::bind(int i, int64_t v) { return check(sqlite3_bind_int64(st_, i, v)); }
SqliteStatement& SqliteStatement::bind(int i, double v) {
    return check(std::isnan(v) ? sqlite3_bind_null(st_, i) : sqlite3_bind_double(st_, i, v));
}
SqliteStatement& SqliteStatement::bind(int i, const std::string& v) {
    return check(sqlite3_bind_text(st_, i, v.data(), int(v.size()), SQLITE_TRANSIENT));
}

bool SqliteStatement::step() {
    const int rc = sqlite3_step(st_);
    if (rc == SQLITE_ROW) return true;
    if (rc == SQLITE_DONE) return false;
    fail();
}

void SqliteStatement::run() {
    while (step()) {
    }
    sqlite3_reset(st_);
}

void SqliteStatement::reset() {
    sqlite3_reset(st_);
    sqlite3_clear_bindings(st_);
}

int64_t SqliteStatement::i64(int c) const { return sqlite3_column_int64(st_, c); }
double SqliteStatement::real(int c) const {
    return sqlite3_column_type(st_, c) == SQLITE_NULL ? std::numeric_limits<double>::quiet_NaN() : sqlite3_column_double(st_, c);
}
std::string SqliteStatement::text(int c) const {
    const auto* p = reinterpret_cast<const char*>(sqlite3_column_text(st_, c));
    return p ? std::string(p, size_t(sqlite3_column_bytes(st_, c))) : std::string();
}

SqliteStatement& SqliteStatement::check(int rc) {
    if (rc != SQLITE_OK) fail();
    return *this;
}

void SqliteStatement::fail() const { fail_file(path_, "{}: {}", what_, sqlite_error_text(db_)); }

}  // namespace qs
