import XCTest

final class PlaceholderGeneratorTests: XCTestCase {}
