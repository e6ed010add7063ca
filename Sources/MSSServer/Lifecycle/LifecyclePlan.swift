import Foundation
import S3Protocol

/// A bucket's enabled lifecycle rules, judging keys and uploads at a given time. Pure: no store,
/// no clock, so the worker runs it off the store's actor and tests run it directly.
struct LifecyclePlan: Sendable {
    let rules: [LifecycleRule]
    let schedule: LifecycleSchedule

    init(_ configuration: LifecycleConfiguration, schedule: LifecycleSchedule) {
        rules = configuration.rules.filter { $0.status == .enabled }
        self.schedule = schedule
    }

    var isEmpty: Bool { rules.isEmpty }

    /// Whether any rule acts on objects (as opposed to uploads only).
    var actsOnObjects: Bool {
        rules.contains { $0.expiration != nil || $0.noncurrentVersionExpiration != nil }
    }

    /// What is due for the versions of one key at `now`.
    func actions(for stored: StoredKey, now: Date) -> [LifecycleAction] {
        var actions: [LifecycleAction] = []
        let newest = stored.newest
        if newest.isDeleteMarker {
            // Only a marker that hides nothing any more is "expired" (S3's term).
            if stored.versions.count == 1, let rule = rules.first(where: { expiresLoneMarker($0, newest, now: now) }) {
                actions.append(.removeDeleteMarker(key: newest.key, versionID: newest.versionID, version: newest.version, rule: rule.id ?? ""))
            }
        } else if let expiry = currentExpiry(of: newest), now >= expiry.date {
            actions.append(.expireCurrent(key: newest.key, version: newest.version, rule: expiry.rule.id ?? ""))
        }
        let versions = stored.versions
        guard versions.count > 1 else { return actions }
        for index in 1..<versions.count {
            let version = versions[index]
            // A version stops being current when the next newer one is written.
            let noncurrentSince = versions[index - 1].lastModified
            let newerNoncurrent = index - 1
            let rule = rules.first { rule in
                guard let noncurrent = rule.noncurrentVersionExpiration, let days = noncurrent.noncurrentDays,
                    matches(rule, version)
                else { return false }
                if let keep = noncurrent.newerNoncurrentVersions, newerNoncurrent < keep { return false }
                return now >= schedule.due(after: noncurrentSince, days: days)
            }
            if let rule {
                actions.append(.expireNoncurrent(key: version.key, versionID: version.versionID, version: version.version, rule: rule.id ?? ""))
            }
        }
        return actions
    }

    /// Whether an incomplete upload is due to be aborted at `now`.
    func action(for upload: MultipartUploadRecord, now: Date) -> LifecycleAction? {
        let rule = rules.first { rule in
            guard let days = rule.abortIncompleteMultipartUploadDays, Self.hasPrefix(upload.key, rule.effectivePrefix) else { return false }
            return now >= schedule.due(after: upload.initiated, days: days)
        }
        return rule.map { .abortUpload(id: upload.id, key: upload.key, initiated: upload.initiated, rule: $0.id ?? "") }
    }

    /// When the current version `object` will expire and under which rule: the earliest of
    /// the matching Expiration rules (for `x-amz-expiration`).
    func currentExpiry(of object: StoredObject) -> (date: Date, rule: LifecycleRule)? {
        var best: (date: Date, rule: LifecycleRule)?
        for rule in rules where rule.expiration?.days != nil || rule.expiration?.date != nil {
            guard matches(rule, object), let date = rule.expirationDate(object, schedule: schedule) else { continue }
            if best == nil || date < best!.date { best = (date, rule) }
        }
        return best
    }

    private func expiresLoneMarker(_ rule: LifecycleRule, _ marker: StoredObject, now: Date) -> Bool {
        guard let expiration = rule.expiration, Self.hasPrefix(marker.key, rule.effectivePrefix), rule.effectiveTags.isEmpty else {
            return false
        }
        if expiration.expiredObjectDeleteMarker == true { return true }
        // As in S3 and MinIO, a Days rule also removes markers left alone for that long.
        if let days = expiration.days { return now >= schedule.due(after: marker.lastModified, days: days) }
        return false
    }

    /// Whether `rule`'s filter selects `object`: prefix (bytewise, as S3 compares keys), every
    /// tag, and the size bounds (exclusive).
    func matches(_ rule: LifecycleRule, _ object: StoredObject) -> Bool {
        guard Self.hasPrefix(object.key, rule.effectivePrefix) else { return false }
        let tags = object.tags ?? []
        for tag in rule.effectiveTags where !tags.contains(where: { $0.key == tag.key && $0.value == tag.value }) { return false }
        if let greater = rule.filter?.objectSizeGreaterThan, object.isDeleteMarker || object.size <= greater { return false }
        if let less = rule.filter?.objectSizeLessThan, object.isDeleteMarker || object.size >= less { return false }
        return true
    }

    static func hasPrefix(_ key: String, _ prefix: String) -> Bool {
        key.utf8.starts(with: prefix.utf8)
    }
}

extension LifecycleRule {
    /// When `object` expires under this rule's Expiration (days or date), nil without one.
    func expirationDate(_ object: StoredObject, schedule: LifecycleSchedule) -> Date? {
        if let date = expiration?.date { return date }
        if let days = expiration?.days { return schedule.due(after: object.lastModified, days: days) }
        return nil
    }
}
