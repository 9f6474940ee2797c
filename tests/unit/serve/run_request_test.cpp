// POST /api/runs's fields: parsed strictly, each bad value refused in one line naming its field.
#include <gtest/gtest.h>

#include "deepimage/error.hpp"
#include "serve/run_request.hpp"

namespace deepimage::server {
namespace {

std::string error_of(const std::map<std::string, std::string>& fields) {
  try {
    parse_run_request(fields);
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::invalid_argument);
    return e.what();
  }
  return "";
}

TEST(RunRequest, ParsesEveryField) {
  const RunRequest r = parse_run_request({{"model", "unet"}, {"tile", "y=256,x=128"}, {"halo", "y=16,x=0"}, {"axes", "zyx"},
                                          {"channels", "0,2"}, {"pad", "edge"}, {"example", "0"}});
  EXPECT_EQ(r.model, "unet");
  EXPECT_EQ(r.tile, (std::map<char, std::int64_t>{{'y', 256}, {'x', 128}}));
  EXPECT_EQ(r.halo, (std::map<char, std::int64_t>{{'y', 16}, {'x', 0}}));
  EXPECT_EQ(r.axes, "zyx");
  EXPECT_EQ(r.channels, (std::vector<int>{0, 2}));
  EXPECT_EQ(r.pad, "edge");
  EXPECT_FALSE(r.example);
  const RunRequest defaults = parse_run_request({{"model", "unet"}, {"tile", ""}, {"example", "1"}});
  EXPECT_TRUE(defaults.tile.empty());
  EXPECT_EQ(defaults.pad, "reflect");
  EXPECT_TRUE(defaults.example);
}

TEST(RunRequest, RefusesBadValuesNamingTheField) {
  const std::vector<std::pair<std::map<std::string, std::string>, std::string>> cases = {
      {{}, "\"model\""},
      {{{"model", "m"}, {"tile", "y=256,y=128"}}, "\"tile\""},
      {{{"model", "m"}, {"tile", "y=-4"}}, "\"tile\""},
      {{{"model", "m"}, {"tile", "y=2097152"}}, "\"tile\""},  // over 2^20
      {{{"model", "m"}, {"tile", "256,256"}}, "\"tile\""},
      {{{"model", "m"}, {"tile", "y=256x"}}, "\"tile\""},
      {{{"model", "m"}, {"halo", "y=5000"}}, "\"halo\""},  // over kMaxHalo
      {{{"model", "m"}, {"axes", "zyq"}}, "\"axes\""},
      {{{"model", "m"}, {"axes", "zyxz"}}, "\"axes\""},
      {{{"model", "m"}, {"channels", "0,0"}}, "\"channels\""},
      {{{"model", "m"}, {"channels", "a"}}, "\"channels\""},
      {{{"model", "m"}, {"channels", "1,"}}, "\"channels\""},
      {{{"model", "m"}, {"pad", "wrap"}}, "\"pad\""},
      {{{"model", "m"}, {"example", "yes"}}, "\"example\""},
      {{{"model", "m"}, {"tiles", "y=256"}}, "\"tiles\""},
  };
  for (const auto& [fields, named] : cases) {
    const std::string error = error_of(fields);
    EXPECT_NE(error.find(named), std::string::npos) << error;
    EXPECT_EQ(error.find('\n'), std::string::npos) << error;
  }
}

TEST(RunRequest, UploadsKeepOnlyACheckedExtension) {
  EXPECT_EQ(upload_extension("cells.TIF"), ".tif");
  EXPECT_EQ(upload_extension("../../x/cells.tiff"), ".tif");
  EXPECT_EQ(upload_extension("a.npy"), ".npy");
  EXPECT_EQ(upload_extension("photo.JPEG"), ".jpg");
  for (const char* bad : {"cells.exe", "cells", "cells.tif/", ".bashrc", "stack.ome.zarr", "x.zip"}) {
    try {
      upload_extension(bad);
      ADD_FAILURE() << bad << " was accepted";
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find("\"image\""), std::string::npos) << e.what();
    }
  }
}

}  // namespace
}  // namespace deepimage::server
