// The results store's schema as ordered migrations: migration i takes a database from
// user_version i to i + 1. Never edit a released migration; append a new one.
#pragma once

#include <vector>

namespace qs {

struct StoreMigration {
    int to_version;   // PRAGMA user_version after it
    const char* sql;  // statements run in one transaction
};

const std::vector<StoreMigration>& store_migrations();
inline int store_latest_version() { return int(store_migrations().size()); }

}  // namespace qs
