/// A bucket and every version of one key, read from the store in one step: a GET or HEAD
/// authorises and answers from the same snapshot, so it visits the store's actor once and its
/// ACL check and its answer can never see two different states of the key.
struct KeySnapshot: Sendable {
    let bucket: StoredBucket
    /// nil when the key has no version at all.
    let stored: StoredKey?

    /// What ``ObjectStore/object(bucket:key:versionID:)`` finds: the current object, or exactly
    /// `versionID` (`null` naming the null version), delete markers included.
    func object(versionID: String?) -> StoredObject? {
        guard let stored else { return nil }
        guard let versionID else { return stored.current }
        return stored.version(versionID == "null" ? nil : versionID)
    }
}
