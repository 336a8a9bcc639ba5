import XCTest

final class PlaceholderInputTests: XCTestCase {}
