using Solti.Matrix.Events;
using Solti.Matrix.Outbox;
using Solti.Matrix.Sending;

namespace Solti.Matrix.Alerts;

/// <summary>One message to queue for an alert event: its content, the transaction id's suffix (an edit and a reply of
/// one event differ), the keys the message is known by, and the message it relates to.</summary>
public sealed record AlertPost(AlertEvent Event, JsonObject Content, string Suffix, IReadOnlyList<string> Keys, RelationTarget? Relation);

/// <summary>Alerts as conversations: a firing message is known by its alerts' keys (<see cref="KeyOf"/>); when an alert
/// resolves, its own firing message is edited to the resolution (<c>m.replace</c>: the room shows the current state)
/// and the resolution is posted in that message's thread. An alert first reported in a group message gets the reply
/// in the group's thread (the group message stays as it was: it speaks for others too). A resolution whose firing
/// message this room's map does not know (sent before the relay kept one) is posted on its own.</summary>
public static class AlertThreads
{
    /// <summary>The conversation key of an alert's occurrence.</summary>
    public static string KeyOf(AlertKey key) => "alert:" + key;

    /// <summary>The messages for <paramref name="events"/> (from <see cref="AlertEvents.Map"/>), where
    /// <paramref name="find"/> is the room's conversation map.</summary>
    public static IReadOnlyList<AlertPost> Plan(AlertNotification notification, IReadOnlyList<AlertEvent> events, Func<string, ConversationEntry?> find, SchemaRegistry schemas, AlertEventOptions? options = null)
    {
        options ??= new();
        var posts = new List<AlertPost>();
        foreach (var alertEvent in events)
        {
            var keys = alertEvent.Keys.Select(KeyOf).ToList();
            if (alertEvent.Status == AlertStatus.Firing)
            {
                posts.Add(new(alertEvent, alertEvent.Content, "", keys, null));
                continue;
            }

            var firing = keys.Select(k => (Key: k, Entry: find(k))).ToList();
            foreach (var (key, entry) in firing.Where(f => f.Entry is { Covers: 1 }))
            {
                var content = alertEvent.Keys.Count == 1
                    ? alertEvent.Content
                    : AlertEvents.Single(notification, notification.Alerts.First(a => a.Status == AlertStatus.Resolved && KeyOf(a.Key) == key), schemas, options).Content;
                posts.Add(new(alertEvent, content, "-edit-" + key, [], RelationTarget.ToKey(RelationKind.Replace, key)));
            }

            var roots = firing.Select(f => f.Entry is { } e ? (e.OutboxId, e.EventId) : default).Distinct().ToList();
            var thread = roots.Count == 1 && firing[0].Entry is not null ? RelationTarget.ToKey(RelationKind.Thread, firing[0].Key) : null;
            posts.Add(new(alertEvent, alertEvent.Content, "", [], thread));
        }

        return posts;
    }
}
