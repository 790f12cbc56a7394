// The workspace JSON the GUI saves and reopens (ui/models/workspace.cpp), through Workspace::load,
// then saved and loaded again: what a user reopens must survive its own save.
#include <cstdlib>

#include "core/error.h"
#include "fuzz_support.h"
#include "fuzz_target.h"
#include "workspace.h"

QS_FUZZ_TARGET(workspace) {
    const QString path = QString::fromStdString(qs::fuzz::write_scratch("workspace.json", data, size));
    qs::ui::Workspace w;
    try {
        w = qs::ui::Workspace::load(path);
    } catch (const qs::Error&) {
        return;
    }
    const QString again = QString::fromStdString(qs::fuzz::scratch_dir() + "/saved.json");
    w.save(again);
    const qs::ui::Workspace back = qs::ui::Workspace::load(again);
    if (back.to_json() != w.to_json()) std::abort();
}
