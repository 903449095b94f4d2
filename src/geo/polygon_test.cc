#include "geo/polygon.h"

#include <gtest/gtest.h>

#include <string>

#include "geo/crs.h"
#include "geo/prepared.h"
#include "geo/test_data.h"

namespace quanyu::geo {
namespace {

using testing::LoadGcjFeatures;
using testing::PolygonFromText;
using testing::ReadBoundaryFile;

// A FeatureCollection whose second feature has the given geometry JSON.
std::string WithSecondGeometry(const std::string& geometry) {
  return R"({"type":"FeatureCollection","features":[
    {"type":"Feature","properties":{"name":"ok"},"geometry":{"type":"Polygon",
      "coordinates":[[[104,30],[105,30],[105,31],[104,30]]]}},
    {"type":"Feature","properties":{"name":"bad"},"geometry":)" +
         geometry + "}]}";
}

Status ParseError(const std::string& text) {
  auto r = ParsePolygonFeatures(text, Crs::kWgs84);
  return r.ok() ? Status::Ok() : r.status();
}

TEST(PolygonTest, ErrorsNameTheFeatureAndPosition) {
  Status open = ParseError(WithSecondGeometry(
      R"({"type":"Polygon","coordinates":[[[104,30],[105,30],[105,31],[104,31]]]})"));
  EXPECT_EQ(open.field(), "features[1].geometry.coordinates[0]");
  EXPECT_NE(open.message().find("closed"), std::string::npos) << open.message();

  Status few = ParseError(WithSecondGeometry(
      R"({"type":"MultiPolygon","coordinates":[[[[104,30],[105,30],[104,30]]]]})"));
  EXPECT_EQ(few.field(), "features[1].geometry.coordinates[0][0]");
  EXPECT_NE(few.message().find("at least 4"), std::string::npos) << few.message();

  Status lng = ParseError(WithSecondGeometry(
      R"({"type":"Polygon","coordinates":[[[104,30],[200,30],[105,31],[104,30]]]})"));
  EXPECT_EQ(lng.field(), "features[1].geometry.coordinates[0][1]");
  EXPECT_NE(lng.message().find("longitude 200"), std::string::npos) << lng.message();

  Status lat = ParseError(WithSecondGeometry(
      R"({"type":"Polygon","coordinates":[[[104,30],[105,30],[105,31],[104,30]],
          [[104.1,30.1],[104.2,-91],[104.2,30.2],[104.1,30.1]]]})"));
  EXPECT_EQ(lat.field(), "features[1].geometry.coordinates[1][1]");
  EXPECT_NE(lat.message().find("latitude -91"), std::string::npos) << lat.message();

  Status text = ParseError(WithSecondGeometry(
      R"({"type":"Polygon","coordinates":[[[104,30],["105",30],[105,31],[104,30]]]})"));
  EXPECT_EQ(text.field(), "features[1].geometry.coordinates[0][1]");

  Status point = ParseError(WithSecondGeometry(R"({"type":"Point","coordinates":[104,30]})"));
  EXPECT_EQ(point.field(), "features[1].geometry.type");
  EXPECT_NE(point.message().find("\"Point\""), std::string::npos) << point.message();

  Status null_geometry = ParseError(WithSecondGeometry("null"));
  EXPECT_EQ(null_geometry.field(), "features[1].geometry");

  Status no_coords = ParseError(WithSecondGeometry(R"({"type":"Polygon"})"));
  EXPECT_EQ(no_coords.field(), "features[1].geometry.coordinates");

  EXPECT_EQ(ParseError("{").message(), "not valid JSON");
  EXPECT_EQ(ParseError(R"({"type":"FeatureCollection"})").field(), "features");
  EXPECT_EQ(ParseError(R"({"type":"Topology"})").field(), "type");
  EXPECT_EQ(ParseError(R"({"type":"FeatureCollection","crs":"bd09","features":[]})").field(),
            "crs");
}

TEST(PolygonTest, EachFeatureKeepsItsOwnErrorAndTheGoodOnesParse) {
  auto each = ParsePolygonFeaturesEach(R"({"type":"FeatureCollection","features":[
      {"type":"Feature","properties":{"name":"A"},"geometry":{"type":"Polygon",
       "coordinates":[[[104,30],[104.1,30],[104.1,30.1],[104,30]]]}},
      {"type":"Feature","properties":{"name":"B"},"geometry":{"type":"Point","coordinates":[1,2]}},
      {"type":"Feature","properties":{"name":"C"},"geometry":{"type":"Polygon",
       "coordinates":[[[104,30],[104.1,30],[104,30]]]}}]})",
                                       Crs::kWgs84);
  ASSERT_TRUE(each.ok()) << each.status().ToString();
  ASSERT_EQ(each->size(), 3u);
  ASSERT_TRUE((*each)[0].ok());
  EXPECT_EQ((*each)[0]->name, "A");
  ASSERT_FALSE((*each)[1].ok());
  EXPECT_EQ((*each)[1].status().field(), "features[1].geometry.type");
  ASSERT_FALSE((*each)[2].ok());
  EXPECT_EQ((*each)[2].status().field().rfind("features[2].geometry.coordinates", 0), 0u)
      << (*each)[2].status().ToString();
  // The strict form stops at the first bad feature.
  auto strict = ParsePolygonFeatures(R"({"type":"FeatureCollection","features":[
      {"type":"Feature","properties":{},"geometry":{"type":"Point","coordinates":[1,2]}}]})",
                                     Crs::kWgs84);
  EXPECT_EQ(strict.status().field(), "features[0].geometry.type");
  EXPECT_FALSE(ParsePolygonFeaturesEach("[1,2]", Crs::kWgs84).ok());
}

TEST(PolygonTest, BoundaryDistanceInsideAndOutside) {
  // A square about 11 km across near Chengdu, with a 1 km square hole in the middle.
  MultiPolygon sq =
      PolygonFromText("104.0,30.6 104.1,30.6 104.1,30.7 104.0,30.7",
                      {"104.045,30.645 104.055,30.645 104.055,30.655 104.045,30.655"});
  // 100 m east of the west side, inside.
  LngLat inside = Destination({104.0, 30.65}, 90, 100);
  EXPECT_NEAR(BoundaryDistanceMeters(sq, inside), 100, 0.5);
  // 250 m west of it, outside.
  EXPECT_NEAR(BoundaryDistanceMeters(sq, Destination({104.0, 30.65}, 270, 250)), 250, 0.5);
  // Beyond a corner: the distance to the corner.
  LngLat corner_out = {104.1 + 0.001, 30.7 + 0.001};
  EXPECT_NEAR(BoundaryDistanceMeters(sq, corner_out), DistanceMeters(corner_out, {104.1, 30.7}),
              0.5);
  // In the middle of the hole: the hole's east and west sides are the nearest boundary (about
  // 480 m away; its north and south sides are 556 m away).
  EXPECT_NEAR(BoundaryDistanceMeters(sq, {104.05, 30.65}),
              DistanceMeters({104.05, 30.65}, {104.055, 30.65}), 0.5);
}

TEST(PolygonTest, DestinationInvertsDistanceAndBearing) {
  const LngLat start{107.47, 31.21};
  for (double bearing : {0.0, 45.0, 90.0, 200.0, 359.0}) {
    LngLat end = Destination(start, bearing, 300);
    EXPECT_NEAR(DistanceMeters(start, end), 300, 0.01) << bearing;
    EXPECT_NEAR(BearingDegrees(start, end), bearing, 0.01) << bearing;
  }
}

TEST(PolygonTest, ValidateNamesTheRing) {
  MultiPolygon mp = PolygonFromText("0,0 1,0 1,1", {"0.2,0.2 0.4,0.2 0.4,0.4"});
  EXPECT_TRUE(ValidateMultiPolygon(mp).ok());
  mp.polygons[0].holes[0].pop_back();  // no longer closed
  Status st = ValidateMultiPolygon(mp);
  EXPECT_EQ(st.field(), "geometry.coordinates[0][1]");
  EXPECT_FALSE(ValidateMultiPolygon(MultiPolygon{}).ok());
}

TEST(PolygonTest, KeepsPropertiesAndConvertsGcj02) {
  const std::string text =
      "\xEF\xBB\xBF"  // byte-order mark, as some DataV releases write
      R"({"type":"FeatureCollection","features":[{"type":"Feature",
      "properties":{"adcode":511702,"name":"通川区","level":"district"},
      "geometry":{"type":"Polygon","coordinates":[[[107.5,31.2],[107.6,31.2],[107.6,31.3],[107.5,31.2]]]}}]})";
  auto gcj = ParsePolygonFeatures(text, Crs::kGcj02);
  ASSERT_TRUE(gcj.ok()) << gcj.status().ToString();
  ASSERT_EQ(gcj->size(), 1u);
  const PolygonFeature& f = (*gcj)[0];
  EXPECT_EQ(f.name, "通川区");
  EXPECT_EQ(f.adcode, "511702");
  EXPECT_EQ(f.properties.value("level", ""), "district");
  const LngLat first = f.geometry.polygons[0].outer[0];
  EXPECT_EQ(first, Gcj02ToWgs84({107.5, 31.2}));
  EXPECT_GT(DistanceMeters(first, {107.5, 31.2}), 100.0);  // the offset was applied

  auto wgs = ParsePolygonFeatures(text, Crs::kWgs84);
  ASSERT_TRUE(wgs.ok());
  EXPECT_EQ((*wgs)[0].geometry.polygons[0].outer[0], (LngLat{107.5, 31.2}));
}

TEST(PolygonTest, TopLevelCrsMemberOverridesTheArgument) {
  const std::string text =
      R"({"type":"FeatureCollection","crs":{"type":"name","properties":{"name":"GCJ-02"}},
      "features":[{"type":"Feature","properties":null,
      "geometry":{"type":"Polygon","coordinates":[[[107.5,31.2],[107.6,31.2],[107.6,31.3],[107.5,31.2]]]}}]})";
  auto r = ParsePolygonFeatures(text, Crs::kWgs84);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ((*r)[0].geometry.polygons[0].outer[0], Gcj02ToWgs84({107.5, 31.2}));
  EXPECT_TRUE((*r)[0].properties.is_object());
}

TEST(PolygonTest, BareGeometryAndLoneFeatureAreAccepted) {
  auto g = ParsePolygonFeatures(R"({"type":"Polygon","coordinates":[[[1,1],[2,1],[2,2],[1,1]]]})",
                                Crs::kWgs84);
  ASSERT_TRUE(g.ok()) << g.status().ToString();
  EXPECT_EQ(g->size(), 1u);
  auto f = ParsePolygonFeatures(
      R"({"type":"Feature","properties":{"name":"x"},
          "geometry":{"type":"Polygon","coordinates":[[[1,1],[2,1],[2,2],[1,1]]]}})",
      Crs::kWgs84);
  ASSERT_TRUE(f.ok()) << f.status().ToString();
  EXPECT_EQ((*f)[0].name, "x");
}

TEST(PolygonTest, GeoJsonRoundTrips) {
  MultiPolygon mp = PolygonFromText("104.06,30.65 104.07,30.65 104.07,30.66 104.06,30.66",
                                    {"104.062,30.652 104.064,30.652 104.064,30.654"});
  mp.polygons.push_back(PolygonFromText("104.1,30.7 104.2,30.7 104.2,30.8").polygons[0]);
  auto back = MultiPolygonFromGeoJson(MultiPolygonToGeoJson(mp), Crs::kWgs84);
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(*back, mp);
  // And through text, as a store document holds it.
  auto reparsed =
      MultiPolygonFromGeoJson(nlohmann::json::parse(MultiPolygonToGeoJson(mp).dump()), Crs::kWgs84);
  ASSERT_TRUE(reparsed.ok());
  EXPECT_EQ(*reparsed, mp);
}

TEST(PolygonTest, AreaOfADegreeSquareAndAHole) {
  // 1° x 1° at the equator on the sphere: R^2 * (pi/180) * sin(1°) = 12,364 km^2.
  MultiPolygon square = PolygonFromText("0,0 1,0 1,1 0,1");
  EXPECT_NEAR(AreaSquareMeters(square) / 1e6, 12364.0, 12.0);
  // Orientation does not matter.
  EXPECT_NEAR(AreaSquareMeters(PolygonFromText("0,0 0,1 1,1 1,0")), AreaSquareMeters(square), 1);
  MultiPolygon holed = PolygonFromText("0,0 1,0 1,1 0,1", {"0,0 0.5,0 0.5,1 0,1"});
  EXPECT_NEAR(AreaSquareMeters(holed), AreaSquareMeters(square) / 2, 1e6);
  BBox b = BoundingBox(holed);
  EXPECT_EQ(b, (BBox{0, 0, 1, 1}));
}

TEST(PolygonTest, RealAreasMatchPublishedFigures) {
  // Dazhou: 16,591 km^2; Sichuan: about 486,000 km^2 (official figures, rounded).
  double dazhou = 0;
  for (const PolygonFeature& f : LoadGcjFeatures("datav_511700_full.json")) {
    dazhou += AreaSquareMeters(f.geometry) / 1e6;
  }
  EXPECT_NEAR(dazhou, 16591, 16591 * 0.02);
  auto sichuan = LoadGcjFeatures("datav_510000_sichuan_outline.json");
  ASSERT_EQ(sichuan.size(), 1u);
  EXPECT_NEAR(AreaSquareMeters(sichuan[0].geometry) / 1e6, 486000, 486000 * 0.02);
}

TEST(PolygonTest, ConvertedBoundaryRoundTripsToTheFileWithinACentimetre) {
  const std::string text = ReadBoundaryFile("datav_511700_full.json");
  auto gcj = ParsePolygonFeatures(text, Crs::kWgs84);  // as written: GCJ-02
  auto wgs = ParsePolygonFeatures(text, Crs::kGcj02);
  ASSERT_TRUE(gcj.ok() && wgs.ok());
  size_t checked = 0;
  double max_offset = 0, max_error = 0;
  for (size_t f = 0; f < gcj->size(); ++f) {
    const auto& a = (*gcj)[f].geometry.polygons;
    const auto& b = (*wgs)[f].geometry.polygons;
    for (size_t p = 0; p < a.size(); ++p) {
      for (size_t i = 0; i < a[p].outer.size(); ++i) {
        max_offset = std::max(max_offset, DistanceMeters(a[p].outer[i], b[p].outer[i]));
        max_error = std::max(max_error, DistanceMeters(Wgs84ToGcj02(b[p].outer[i]), a[p].outer[i]));
        ++checked;
      }
    }
  }
  EXPECT_GT(checked, 2000u);
  EXPECT_GT(max_offset, 200.0);  // GCJ-02 sits a few hundred metres off in Dazhou
  EXPECT_LT(max_offset, 800.0);
  EXPECT_LT(max_error, 0.01);
}

TEST(PolygonTest, InteriorPointIsInside) {
  // A U shape: the middle of its box is in the gap, outside.
  MultiPolygon u = PolygonFromText("0,0 3,0 3,3 2,3 2,1 1,1 1,3 0,3");
  LngLat p = InteriorPoint(u);
  EXPECT_TRUE(ContainsBruteForce(u, p)) << p.lng << "," << p.lat;
  MultiPolygon holed = PolygonFromText("0,0 4,0 4,4 0,4", {"1,1 3,1 3,3 1,3"});
  p = InteriorPoint(holed);
  EXPECT_TRUE(ContainsBruteForce(holed, p)) << p.lng << "," << p.lat;
  for (const auto* file : {"datav_511700_full.json", "datav_510100_full.json",
                           "datav_510000_full.json", "datav_510000_sichuan_outline.json"}) {
    for (const PolygonFeature& f : LoadGcjFeatures(file)) {
      p = InteriorPoint(f.geometry);
      EXPECT_TRUE(ContainsBruteForce(f.geometry, p)) << f.name;
    }
  }
}

}  // namespace
}  // namespace quanyu::geo
