import MSSImageProcess
import Testing

@testable import MSSImageRendering

@Suite("Resize geometry")
struct GeometryTests {
    private func plan(_ text: String, _ width: Int, _ height: Int) throws -> ResizePlan? {
        guard case .transform(let transform)? = try ImageProcess(parsing: text).actions.first else { return nil }
        return ResizePlan(transform: transform, width: width, height: height)
    }

    @Test func fitsTheLongEdgeByDefault() throws {
        let resize = try #require(try plan("100w_100h", 400, 200))
        #expect(resize.scaledSize(width: 400, height: 200) == (100, 50) as (Int, Int))
        #expect(resize.centreCrop == nil && resize.pad == nil)
    }

    @Test func shortEdgeCoversTheBoxAndCropsToIt() throws {
        let resize = try #require(try plan("100w_100h_1e_1c", 400, 200))
        #expect(resize.scaledSize(width: 400, height: 200) == (200, 100) as (Int, Int))
        #expect(resize.centreCrop?.width == 100 && resize.centreCrop?.height == 100)
    }

    @Test func exactIgnoresTheAspectRatio() throws {
        let resize = try #require(try plan("30w_70h_2e", 400, 200))
        #expect(resize.scaledSize(width: 400, height: 200) == (30, 70) as (Int, Int))
    }

    @Test func padFitsThenPadsToTheBox() throws {
        let resize = try #require(try plan("100w_100h_4e", 400, 200))
        #expect(resize.scaledSize(width: 400, height: 200) == (100, 50) as (Int, Int))
        #expect(resize.pad?.width == 100 && resize.pad?.height == 100)
    }

    @Test func percentScalesTheImageOrTheBox() throws {
        let alone = try #require(try plan("50p", 400, 200))
        #expect(alone.scaledSize(width: 400, height: 200) == (200, 100) as (Int, Int))
        let withBox = try #require(try plan("100w_200p", 400, 200))
        #expect(withBox.scaledSize(width: 400, height: 200) == (200, 100) as (Int, Int))
    }

    @Test func limitNeverEnlarges() throws {
        let resize = try #require(try plan("1000w_1l", 400, 200))
        #expect(resize.scaledSize(width: 400, height: 200) == (400, 200) as (Int, Int))
        let enlarged = try #require(try plan("1000w", 400, 200))
        #expect(enlarged.scaledSize(width: 400, height: 200) == (1000, 500) as (Int, Int))
    }

    @Test func noResizeTokensNoPlan() throws {
        #expect(try plan("30r_90Q", 400, 200) == nil)
    }

    @Test func advancedCropRunsToTheEdgeAndRejectsOutsideStarts() throws {
        let rectangle = try CropRectangle(advanced: [100, 50, 0, 1000], imageWidth: 400, imageHeight: 200)
        #expect(rectangle == CropRectangle(x: 100, y: 50, width: 300, height: 150))
        #expect(throws: ImagingError.self) { try CropRectangle(advanced: [400, 0, 10, 10], imageWidth: 400, imageHeight: 200) }
    }

    @Test func regionCropPicksTheGridCell() {
        #expect(CropRectangle(region: [100, 50, 1], imageWidth: 400, imageHeight: 200) == CropRectangle(x: 0, y: 0, width: 100, height: 50))
        #expect(CropRectangle(region: [100, 50, 5], imageWidth: 400, imageHeight: 200) == CropRectangle(x: 150, y: 75, width: 100, height: 50))
        #expect(CropRectangle(region: [100, 50, 9], imageWidth: 400, imageHeight: 200) == CropRectangle(x: 300, y: 150, width: 100, height: 50))
        #expect(CropRectangle(region: [1000, 50, 9], imageWidth: 400, imageHeight: 200) == CropRectangle(x: 0, y: 150, width: 400, height: 50))
    }

    @Test func watermarkPlacementHonoursMarginsAndOffset() {
        let bottomRight = GridPosition(9).origin(itemWidth: 50, itemHeight: 20, inWidth: 400, height: 200, marginX: 10, marginY: 5)
        #expect(bottomRight == (340, 175) as (Int, Int))
        let middleLeft = GridPosition(4).origin(itemWidth: 50, itemHeight: 20, inWidth: 400, height: 200, marginX: 10, marginY: 5, verticalOffset: 30)
        #expect(middleLeft == (10, 60) as (Int, Int))
        let tooBig = GridPosition(9).origin(itemWidth: 500, itemHeight: 300, inWidth: 400, height: 200, marginX: 10, marginY: 10)
        #expect(tooBig == (0, 0) as (Int, Int))
    }

    @Test func jpegQualityFromTheQuantisationTable() {
        // The IJG table at quality 50 is the standard table itself; at 90 it is scaled by 20 %.
        let standard: [Int] = [16, 11, 12, 14, 12, 10, 16, 14, 13, 14, 18, 17, 16, 19, 24, 40, 26, 24, 22, 22, 24, 49, 35, 37, 29, 40, 58, 51, 61, 60,
            57, 51, 56, 55, 64, 72, 92, 78, 64, 68, 87, 69, 55, 56, 80, 109, 81, 87, 95, 98, 103, 104, 103, 62, 77, 113, 121, 112,
            100, 120, 92, 101, 103, 99]
        #expect(JPEGQuality.quality(fromTable: standard) == 50)
        let ninety = standard.map { max(1, ($0 * 20 + 50) / 100) }
        #expect((88...92).contains(JPEGQuality.quality(fromTable: ninety)))
    }
}
