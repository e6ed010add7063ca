/// The keys of one bucket in S3's order (UTF-8 bytes), for listings that start anywhere without
/// scanning: a sorted array searched by bisection.
///
/// Inserting into a sorted array moves memory (a few hundred microseconds at 100,000 keys), which
/// costs far less than a listing request; a B-tree would only pay off well beyond that.
struct SortedKeys: Sendable {
    private(set) var keys: [[UInt8]] = []

    var count: Int { keys.count }

    /// The index of the first key not below `key`.
    func lowerBound(_ key: [UInt8]) -> Int {
        var low = 0
        var high = keys.count
        while low < high {
            let middle = (low + high) / 2
            if keys[middle].lexicographicallyPrecedes(key) {
                low = middle + 1
            } else {
                high = middle
            }
        }
        return low
    }

    /// The index of the first key strictly after `key`.
    func upperBound(_ key: [UInt8]) -> Int {
        let index = lowerBound(key)
        return index < keys.count && keys[index] == key ? index + 1 : index
    }

    mutating func insert(_ key: [UInt8]) {
        let index = lowerBound(key)
        if index < keys.count && keys[index] == key { return }
        keys.insert(key, at: index)
    }

    mutating func remove(_ key: [UInt8]) {
        let index = lowerBound(key)
        if index < keys.count && keys[index] == key { keys.remove(at: index) }
    }

    subscript(index: Int) -> [UInt8] { keys[index] }
}
