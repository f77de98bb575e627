using Microsoft.Extensions.Options;

namespace ChatMesh.Chat.EventLog;

/// <summary>Refuses to start with a limit that would make the chat unbounded or unusable.</summary>
public sealed class ChatOptionsValidator : IValidateOptions<ChatOptions>
{
    public ValidateOptionsResult Validate(string? name, ChatOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        List<string> failures = [];
        Positive(failures, nameof(options.MaxMessageLength), options.MaxMessageLength);
        Positive(failures, nameof(options.MaxHistoryPage), options.MaxHistoryPage);
        Positive(failures, nameof(options.MaxReplayPage), options.MaxReplayPage);
        Positive(failures, nameof(options.MaxRoomNameLength), options.MaxRoomNameLength);
        Positive(failures, nameof(options.MaxTopicLength), options.MaxTopicLength);
        Positive(failures, nameof(options.MaxMentionsPerMessage), options.MaxMentionsPerMessage);
        if (options.MaxSlowModeSeconds is < 1 or > 604_800)
        {
            failures.Add($"Chat:{nameof(options.MaxSlowModeSeconds)} must be 1 to 604800 (a week) (was {options.MaxSlowModeSeconds}).");
        }

        if (options.IdempotencyKeyTtl < TimeSpan.FromSeconds(1))
        {
            failures.Add($"Chat:{nameof(options.IdempotencyKeyTtl)} must be at least one second.");
        }

        if (options.Retention is null)
        {
            failures.Add("Chat:Retention is required.");
        }
        else
        {
            Positive(failures, "Retention:" + nameof(ChatRetentionOptions.MaxEventsPerRoom), options.Retention.MaxEventsPerRoom);
            Positive(failures, "Retention:" + nameof(ChatRetentionOptions.MaxEventsPerUser), options.Retention.MaxEventsPerUser);
            Positive(failures, "Retention:" + nameof(ChatRetentionOptions.OutboxMaxLength), options.Retention.OutboxMaxLength);
        }

        if (options.Durability is null)
        {
            failures.Add("Chat:Durability is required.");
        }
        else
        {
            if (options.Durability.Replicas is < 0 or > ReplicaBarrier.MaxReplicas)
            {
                failures.Add($"Chat:Durability:Replicas must be 0 to {ReplicaBarrier.MaxReplicas} (was {options.Durability.Replicas}).");
            }

            if (options.Durability.ReplicaTimeout < TimeSpan.FromMilliseconds(10) || options.Durability.ReplicaTimeout > TimeSpan.FromMinutes(1))
            {
                failures.Add($"Chat:Durability:ReplicaTimeout must be 10 ms to 1 minute (was {options.Durability.ReplicaTimeout}).");
            }
        }

        if (options.Attachments is null)
        {
            failures.Add("Chat:Attachments is required.");
        }
        else
        {
            if (options.Attachments.MaxPerMessage is < 1 or > Attachments.ChatAttachmentOptions.MaxPerMessageCeiling)
            {
                failures.Add($"Chat:Attachments:MaxPerMessage must be 1 to {Attachments.ChatAttachmentOptions.MaxPerMessageCeiling} (was {options.Attachments.MaxPerMessage}).");
            }

            if (options.Attachments.PendingTtl < TimeSpan.FromMinutes(1) || options.Attachments.PendingTtl > TimeSpan.FromDays(30))
            {
                failures.Add($"Chat:Attachments:PendingTtl must be 1 minute to 30 days (was {options.Attachments.PendingTtl}).");
            }
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    private static void Positive(List<string> failures, string name, int value)
    {
        if (value <= 0)
        {
            failures.Add($"Chat:{name} must be greater than 0 (was {value}).");
        }
    }
}
