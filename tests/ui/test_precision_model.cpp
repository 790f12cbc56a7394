#include <QAbstractItemModelTester>
#include <gtest/gtest.h>

#include "common/test_paths.h"
#include "core/error.h"
#include "gguf/gguf_file.h"
#include "precision_list_model.h"

using namespace qs;
using namespace qs::ui;

TEST(PrecisionListModel, ListsEveryPresetCheckable) {
    PrecisionListModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::Warning);
    ASSERT_EQ(model.rowCount(), int(precision_presets().size()));
    EXPECT_TRUE(model.flags(model.index(0, 0)) & Qt::ItemIsUserCheckable);
    EXPECT_TRUE(model.checked_specs().isEmpty());
    const int q8 = model.row_of("Q8_0");
    ASSERT_GE(q8, 0);
    EXPECT_TRUE(model.setData(model.index(q8, 0), Qt::Checked, Qt::CheckStateRole));
    EXPECT_EQ(model.checked_specs(), QStringList{"Q8_0"});
    // Without a model nothing is estimated.
    EXPECT_EQ(model.index(q8, PrecisionListModel::FileSize).data().toString(), "—");
}

TEST(PrecisionListModel, CustomRecipesAreNamedCheckedAndValidated) {
    PrecisionListModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::Warning);
    const int before = model.rowCount();
    model.add_custom("down in q8", "Q4_K_M+ffn_down=q8_0");
    ASSERT_EQ(model.rowCount(), before + 1);
    EXPECT_EQ(model.checked_specs(), QStringList{"Q4_K_M+ffn_down=q8_0"});
    model.add_custom("down in q8", "Q4_K_M+ffn_down=q6_K");  // same name replaces
    EXPECT_EQ(model.rowCount(), before + 1);
    EXPECT_THROW(model.add_custom("bad", "Q4_K_M+ffn_down=nonsense"), qs::Error);
    EXPECT_EQ(model.custom_recipes().size(), 1);
    model.remove_custom("down in q8");
    EXPECT_EQ(model.rowCount(), before);
}

TEST(PrecisionListModel, EstimatesSizeAndMemoryForTheM1Model) {
    QS_REQUIRE_SHARED(path, "models/synthetic/llama-d256-spm512.gguf");
    PrecisionListModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::Warning);
    auto file = std::make_shared<const GgufFile>(GgufFile::open(path));
    model.set_model(file);
    const auto& rows = model.entries();
    const auto& f32 = rows[model.row_of("F32")];
    const auto& q4 = rows[model.row_of("Q4_0")];
    ASSERT_TRUE(f32.estimated && q4.estimated);
    EXPECT_NEAR(f32.estimate.bits_per_weight(), 32.0, 1e-9);
    EXPECT_LT(q4.estimate.bits_per_weight(), 6.0);
    EXPECT_GT(q4.estimate.bits_per_weight(), 4.0);
    // Memory is the weights plus a KV cache and logits: more than the weights, ordered like them.
    EXPECT_GT(f32.memory_bytes, f32.estimate.tensor_bytes);
    EXPECT_GT(f32.memory_bytes, q4.memory_bytes);
    EXPECT_NE(model.index(model.row_of("Q4_0"), PrecisionListModel::FileSize).data().toString(), "—");
}
