using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text;
using MPI.Native;

namespace MPI;

/// <summary>
/// The messages of a task farm, all raw bytes on the farm's private duplicate of the caller's communicator.
/// <list type="bullet">
/// <item><see cref="WorkTag"/>, coordinator to worker: 16 bytes (<see cref="WorkKind"/>, task count, group id), then
/// the inputs: raw memory for an unmanaged input type, else one length-prefixed serialized frame per input.</item>
/// <item><see cref="DoneTag"/>, worker to coordinator, one per work message and in the same order (MPI keeps a pair's
/// messages in order, so the coordinator knows which tasks a reply answers): 16 bytes (count, failures), each task's
/// run time (TimeSpan ticks), when some failed each task's <see cref="TaskOutcome"/>, the results (raw memory, or a
/// frame per successful task), then a failure record per task that did not succeed.</item>
/// <item><see cref="CancelTag"/>, coordinator to worker: a group id whose tasks are to be dropped or cancelled.</item>
/// <item>The <see cref="WorkKind.Stop"/> work message, last: its count is the number of cancellation messages sent
/// to that worker, which takes them all before it leaves.</item>
/// </list>
/// </summary>
internal static class FarmProtocol
{
    public const int WorkTag = 1;
    public const int DoneTag = 2;
    public const int CancelTag = 3;
    public const int HeaderSize = 16;
}

internal enum WorkKind
{
    Tasks = 1,
    Stop = 2,
}

internal enum TaskOutcome : byte
{
    Succeeded = 0,
    Failed = 1,
    Cancelled = 2,
}

/// <summary>A growable message buffer in pinned memory (so sends in flight need no pinning).</summary>
internal sealed class FarmBuffer
{
    private byte[] _array = GC.AllocateUninitializedArray<byte>(256, pinned: true);

    public int Length { get; set; }

    public byte[] Array => _array;

    public ReadOnlyMemory<byte> Written => _array.AsMemory(0, Length);

    public void Clear() => Length = 0;

    /// <summary>Room for <paramref name="count"/> bytes (keeping what is written).</summary>
    public void Ensure(int count)
    {
        if ((long)Length + count <= _array.Length)
            return;
        var larger = GC.AllocateUninitializedArray<byte>((int)Math.Min(Math.Max(2L * _array.Length, (long)Length + count), System.Array.MaxLength), pinned: true);
        _array.AsSpan(0, Length).CopyTo(larger);
        _array = larger;
    }

    public Span<byte> Reserve(int count)
    {
        Ensure(count);
        var span = _array.AsSpan(Length, count);
        Length += count;
        return span;
    }

    public void Int32(int value) => BinaryPrimitives.WriteInt32LittleEndian(Reserve(4), value);

    public void Int64(long value) => BinaryPrimitives.WriteInt64LittleEndian(Reserve(8), value);

    public void Bytes(ReadOnlySpan<byte> bytes) => bytes.CopyTo(Reserve(bytes.Length));

    public void Align8() => Reserve((8 - (Length & 7)) & 7).Clear();

    public void String(string? value)
    {
        if (value is null)
        {
            Int32(-1);
            return;
        }
        int count = Encoding.UTF8.GetByteCount(value);
        Int32(count);
        Encoding.UTF8.GetBytes(value, Reserve(count));
    }

    /// <summary>Writes a header of <see cref="FarmProtocol.HeaderSize"/> bytes at the start.</summary>
    public void Header(int first, int second, long third)
    {
        var header = _array.AsSpan(0, FarmProtocol.HeaderSize);
        BinaryPrimitives.WriteInt32LittleEndian(header, first);
        BinaryPrimitives.WriteInt32LittleEndian(header[4..], second);
        BinaryPrimitives.WriteInt64LittleEndian(header[8..], third);
    }
}

/// <summary>Reads a message written with <see cref="FarmBuffer"/>.</summary>
internal struct FarmReader(byte[] array, int length)
{
    private int _position;

    public readonly byte[] Array => array;

    public int Position
    {
        readonly get => _position;
        set => _position = value;
    }

    public ReadOnlySpan<byte> Take(int count)
    {
        if (count < 0 || _position + count > length)
            throw new InvalidDataException("A task farm message ended early.");
        var span = array.AsSpan(_position, count);
        _position += count;
        return span;
    }

    public int Int32() => BinaryPrimitives.ReadInt32LittleEndian(Take(4));

    public long Int64() => BinaryPrimitives.ReadInt64LittleEndian(Take(8));

    public void Align8() => Take((8 - (_position & 7)) & 7);

    public string? String()
    {
        int count = Int32();
        return count < 0 ? null : Encoding.UTF8.GetString(Take(count));
    }

    public ReadOnlyMemory<byte> Frame()
    {
        int count = Int32();
        Take(count);
        return array.AsMemory(_position - count, count);
    }
}

/// <summary>How values of <typeparamref name="T"/> travel in farm messages: raw memory or serialized frames.</summary>
internal static class FarmCodec<T>
{
    /// <summary>Whether <typeparamref name="T"/> goes as raw memory (an unmanaged type the raw path carries).</summary>
    public static readonly bool Raw = Wire<T>.Kind == WireKind.Raw;

    public static int Size => Unsafe.SizeOf<T>();

    /// <summary>Writes one value as a length-prefixed frame of the communicator's serializer.</summary>
    public static void WriteSerialized(FarmBuffer buffer, T value, Serialization serialization)
    {
        var writer = SerializedFrame.Write(value, serialization);
        try
        {
            if (writer.Length - FrameWriter.Reserved > int.MaxValue / 2)
                throw new InvalidOperationException($"A serialized {typeof(T)} of {writer.Length} bytes is too large for a task farm message.");
            buffer.Int32((int)(writer.Length - FrameWriter.Reserved));
            bool first = true;
            foreach (var segment in writer.Segments())
            {
                buffer.Bytes(first ? segment.AsSpan(FrameWriter.Reserved) : segment.AsSpan());
                first = false;
            }
        }
        finally
        {
            SerializedFrame.Release(writer);
        }
    }

    public static T ReadSerialized(ref FarmReader reader, Serialization serialization, int source, int tag) =>
        SerializedFrame.Read<T>(reader.Frame(), serialization, source, tag);

    public static void WriteRaw(FarmBuffer buffer, ReadOnlySpan<T> values) =>
        buffer.Bytes(MemoryMarshal.AsBytes(MemoryMarshalSpan(values)));

    public static T ReadRaw(ref FarmReader reader) => Unsafe.ReadUnaligned<T>(ref MemoryMarshal.GetReference(reader.Take(Size)));

    // Raw T is unmanaged (checked by Raw); the cast through bytes needs no constraint here.
    private static ReadOnlySpan<byte> MemoryMarshalSpan(ReadOnlySpan<T> values) =>
        MemoryMarshal.CreateReadOnlySpan(ref Unsafe.As<T, byte>(ref MemoryMarshal.GetReference(values)), values.Length * Size);
}

/// <summary>
/// The farm's point-to-point transport over one communicator: matched probes and receives of whole byte messages,
/// nonblocking sends of pinned buffers. Used by one thread at a time (the caller serializes).
/// </summary>
internal sealed unsafe class FarmLink(Intracommunicator communicator)
{
    private readonly nint _comm = communicator.LiveHandle;
    private readonly List<(long Request, FarmBuffer Buffer)> _sends = [];
    private readonly Stack<FarmBuffer> _free = new();

    public Intracommunicator Communicator => communicator;

    /// <summary>Receives a message from <paramref name="source"/> (any: <see cref="Ranks.AnySource"/>) with <paramref name="tag"/> if one is there.</summary>
    public bool TryReceive(int source, int tag, FarmBuffer into, out int from)
    {
        int found = 0;
        long message = 0;
        StatusBuffer status = default;
        Mpi.Check(Mpi.Improbe(Ranks.ToNative(source), tag, _comm, &found, &message, &status));
        if (found == 0)
        {
            from = -1;
            return false;
        }
        int count = 0;
        var copy = status;
        Mpi.Check(Mpi.Get_count(&copy, Mpi.Abi.Datatypes.Byte, &count));
        into.Clear();
        into.Ensure(count);
        fixed (byte* p = into.Array)
            Mpi.Check(Mpi.Mrecv(p, count, Mpi.Abi.Datatypes.Byte, &message, &status));
        into.Length = count;
        from = Ranks.FromNative(status.Source);
        return true;
    }

    /// <summary>A buffer to write a message into, then to hand to <see cref="Send"/>.</summary>
    public FarmBuffer Rent()
    {
        if (_free.Count == 0)
            Reap();
        var buffer = _free.Count > 0 ? _free.Pop() : new FarmBuffer();
        buffer.Clear();
        return buffer;
    }

    /// <summary>Starts sending <paramref name="buffer"/> (MPI_Isend); the buffer returns to the pool once sent.</summary>
    public void Send(FarmBuffer buffer, int dest, int tag)
    {
        long request = 0;
        fixed (byte* p = buffer.Array)
            Mpi.Check(Mpi.Isend(p, buffer.Length, Mpi.Abi.Datatypes.Byte, Ranks.ToNative(dest), tag, _comm, &request));
        _sends.Add((request, buffer));
    }

    /// <summary>Returns the buffers of finished sends to the pool.</summary>
    public void Reap()
    {
        for (int i = 0; i < _sends.Count;)
        {
            var (request, buffer) = _sends[i];
            int done = 0;
            Mpi.Check(Mpi.Test(&request, &done, (void*)Mpi.Abi.StatusIgnore));
            if (done == 0)
            {
                _sends[i++] = (request, buffer);
                continue;
            }
            _sends.RemoveAt(i);
            _free.Push(buffer);
        }
    }

    /// <summary>Waits for every send to finish.</summary>
    public void Flush()
    {
        foreach (var (request, buffer) in _sends)
        {
            var r = request;
            Mpi.Check(Mpi.Wait(&r, (void*)Mpi.Abi.StatusIgnore));
            _free.Push(buffer);
        }
        _sends.Clear();
    }
}
