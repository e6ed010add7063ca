public import Foundation

extension PostPolicy {
    /// Form fields a policy need not name, as S3 documents: the signature, the file, the policy
    /// itself and (SigV2) the access key; fields starting `x-ignore-` are exempt too.
    public static let exemptFields: Set<String> = ["policy", "file", "x-amz-signature", "signature", "awsaccesskeyid"]

    /// Fields S3 matches exactly only: a `starts-with` condition on them fails.
    public static let exactOnlyFields: Set<String> = ["bucket", "x-amz-algorithm", "x-amz-credential", "x-amz-date"]

    /// How a form breaks its policy, with S3's code and message.
    public enum Violation: Error, Sendable, Hashable {
        case expired
        case conditionFailed(PostPolicyCondition)
        case extraField(String)
        case tooSmall
        case tooLarge

        /// S3's message.
        public var message: String {
            switch self {
            case .expired: "Invalid according to Policy: Policy expired."
            case .conditionFailed(let condition): "Invalid according to Policy: Policy Condition failed: \(condition.failureText)"
            case .extraField(let name): "Invalid according to Policy: Extra input fields: \(name)"
            case .tooSmall: "Your proposed upload is smaller than the minimum allowed size"
            case .tooLarge: "Your proposed upload exceeds the maximum allowed size"
            }
        }
    }

    /// Checks everything but the file's size: expiry, each condition on a field, and that every
    /// field is named by a condition. `fields` are the form's fields before the file, in order;
    /// for a repeated name the first counts. The `bucket` condition is checked against `bucket`.
    public func check(fields: [(name: String, value: String)], bucket: String, now: Date = Date()) throws(Violation) {
        guard now < expiration else { throw .expired }
        var values: [String: String] = [:]
        var repeated: Set<String> = []
        for field in fields {
            let name = field.name.lowercased()
            if values[name] == nil { values[name] = field.value } else { repeated.insert(name) }
        }
        values["bucket"] = bucket
        var named: Set<String> = []
        for condition in conditions {
            guard let name = condition.fieldName else { continue }
            named.insert(name)
            // A field sent twice is not one value the condition could vouch for.
            guard !repeated.contains(name) else { throw .conditionFailed(condition) }
            let value = values[name] ?? ""
            switch condition {
            case .exact(_, let expected):
                guard value == expected else { throw .conditionFailed(condition) }
            case .startsWith(_, let prefix):
                guard !Self.exactOnlyFields.contains(name) else { throw .conditionFailed(condition) }
                // S3 checks each type of a comma-separated Content-Type.
                let items = name == "content-type" ? value.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingFormSpaces() } : [Substring(value)]
                guard items.allSatisfy({ $0.hasPrefix(prefix) }) else { throw .conditionFailed(condition) }
            case .contentLengthRange:
                break
            }
        }
        for field in fields {
            let name = field.name.lowercased()
            if Self.exemptFields.contains(name) || name.hasPrefix("x-ignore-") || named.contains(name) { continue }
            throw .extraField(field.name)
        }
    }

    /// The sizes every `content-length-range` condition allows; nil when there is none. An empty
    /// range (conditions that contradict each other) allows nothing.
    public var allowedSizes: ClosedRange<Int64>? {
        var lower: Int64 = 0
        var upper: Int64 = .max
        var any = false
        for case .contentLengthRange(let minimum, let maximum) in conditions {
            any = true
            lower = max(lower, minimum)
            upper = min(upper, maximum)
        }
        guard any else { return nil }
        return lower <= upper ? lower...upper : lower...lower
    }

    /// Checks the file's size against the `content-length-range` conditions.
    public func checkSize(_ size: Int64) throws(Violation) {
        for case .contentLengthRange(let minimum, let maximum) in conditions {
            if size < minimum { throw .tooSmall }
            if size > maximum { throw .tooLarge }
        }
    }
}
