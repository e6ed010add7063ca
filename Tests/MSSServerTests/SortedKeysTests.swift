import Testing

@testable import MSSServer

/// ``SortedKeys`` against a plain sorted array, through enough inserts and removes that chunks
/// split and empty many times over, and built at once from an unsorted list with repeats.
@Suite struct SortedKeysTests {
    static func random(_ generator: inout some RandomNumberGenerator) -> [UInt8] {
        // Short keys over a few byte values, so that equal keys, shared prefixes and 0xFF occur.
        let alphabet: [UInt8] = [0x00, 0x2F, 0x61, 0x62, 0xC3, 0xA9, 0xFF]
        return (0..<Int.random(in: 1...5, using: &generator)).map { _ in alphabet.randomElement(using: &generator) ?? 0x61 }
    }

    static func precedes(_ a: [UInt8], _ b: [UInt8]) -> Bool { a.lexicographicallyPrecedes(b) }

    /// Every key, walking positions from the start.
    static func walk(_ keys: SortedKeys) -> [[UInt8]] {
        var all: [[UInt8]] = []
        var position = keys.startIndex
        while position < keys.endIndex {
            all.append(keys[position])
            position = keys.index(after: position)
        }
        return all
    }

    /// What `keys` holds from `position` on, read the same way.
    static func suffix(_ keys: SortedKeys, from position: SortedKeys.Position) -> [[UInt8]] {
        var all: [[UInt8]] = []
        var position = position
        while position < keys.endIndex {
            all.append(keys[position])
            position = keys.index(after: position)
        }
        return all
    }

    func check(_ keys: SortedKeys, against reference: [[UInt8]], probes: Int, _ generator: inout some RandomNumberGenerator) {
        #expect(keys.count == reference.count)
        #expect(Self.walk(keys) == reference)
        for _ in 0..<probes {
            let probe = Self.random(&generator)
            let lower = reference.filter { !Self.precedes($0, probe) }
            let upper = reference.filter { Self.precedes(probe, $0) }
            #expect(Self.suffix(keys, from: keys.lowerBound(probe)) == lower, "lowerBound \(probe)")
            #expect(Self.suffix(keys, from: keys.upperBound(probe)) == upper, "upperBound \(probe)")
        }
    }

    @Test func insertsAndRemovesMatchASortedArray() {
        var generator = SystemRandomNumberGenerator()
        var keys = SortedKeys()
        var reference: [[UInt8]] = []
        check(keys, against: reference, probes: 5, &generator)
        for round in 0..<12_000 {
            let key = Self.random(&generator)
            // Mostly inserts early, mostly removes late: chunks grow, split, shrink and vanish.
            if Int.random(in: 0..<100, using: &generator) < (round < 8_000 ? 75 : 20) {
                keys.insert(key)
                if !reference.contains(key) {
                    reference.append(key)
                    reference.sort(by: Self.precedes)
                }
            } else {
                keys.remove(key)
                reference.removeAll { $0 == key }
            }
            if round % 1_000 == 999 { check(keys, against: reference, probes: 40, &generator) }
        }
        for key in reference { keys.remove(key) }
        #expect(keys.count == 0 && keys.startIndex == keys.endIndex)
        keys.insert([0x61])
        #expect(Self.walk(keys) == [[0x61]])
    }

    @Test func builtAtOnceFromUnsortedKeysWithRepeats() {
        var generator = SystemRandomNumberGenerator()
        for size in [0, 1, 2, 255, 256, 257, 5_000] {
            let unsorted = (0..<size).map { _ in Self.random(&generator) }
            let reference = Array(Set(unsorted)).sorted(by: Self.precedes)
            var keys = SortedKeys(unsorted: unsorted)
            check(keys, against: reference, probes: 30, &generator)
            // Built at once, then changed: the same as built one by one.
            let extra = Self.random(&generator)
            keys.insert(extra)
            keys.remove(reference.first ?? extra)
            var expected = reference.contains(extra) ? reference : (reference + [extra]).sorted(by: Self.precedes)
            expected.removeAll { $0 == (reference.first ?? extra) }
            check(keys, against: expected, probes: 10, &generator)
        }
    }
}
