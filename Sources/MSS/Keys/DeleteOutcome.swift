/// What a DELETE did, from `x-amz-delete-marker` and `x-amz-version-id`.
///
/// In a versioned bucket a delete without a version id removes nothing: it stacks a delete
/// marker on the key, and these fields name it. Deleting a delete marker by its version id also
/// reports `deleteMarker == true`. Without versioning both are empty.
public struct DeleteOutcome: Sendable, Hashable {
    /// Whether the delete made, or removed, a delete marker.
    public var deleteMarker: Bool
    /// The version id of the marker made, or of the version removed.
    public var versionID: String?

    public init(deleteMarker: Bool, versionID: String?) {
        self.deleteMarker = deleteMarker
        self.versionID = versionID
    }
}
