namespace IotAspire.DeviceWorker.DeadLetters;

/// <summary>Stores what cannot be processed. Throws when it cannot store it: the caller must then not acknowledge.</summary>
public interface IDeadLetterSink
{
    Task WriteAsync(DeadLetter deadLetter, CancellationToken cancellationToken);
}
