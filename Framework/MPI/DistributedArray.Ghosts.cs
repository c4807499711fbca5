using MPI.Native;

namespace MPI;

/// <summary>Ghost-cell exchange with the grid neighbours.</summary>
public sealed unsafe partial class DistributedArray<T>
{
    private const int TagColumnsToLow = 32001, TagColumnsToHigh = 32002, TagRowsToLow = 32003, TagRowsToHigh = 32004;

    // Strided ghost columns of a 2-D block travel through these (LocalRows × g each), made on first use.
    private T[]? _columnSend, _columnReceive;

    /// <summary>
    /// Fills the ghost cells from the neighbours' blocks (MPI_Sendrecv with each neighbour along each dimension;
    /// collective over <see cref="Grid"/>): the g columns nearest each side, then, for a 2-D array, the g rows nearest
    /// each side over the whole stored width, so the corner ghosts (the diagonal neighbours' cells, which a 9-point
    /// stencil needs) are filled too. Along a periodic dimension the grid wraps (with one rank along it, the block's own
    /// opposite edge); at the border of a non-periodic dimension the ghosts are not touched (the program's boundary
    /// values stay). Contiguous ghosts (rows, and both ends of a 1-D block) are sent and received in place; ghost columns
    /// of a 2-D block are packed into a buffer. Nothing happens without ghost cells.
    /// </summary>
    /// <exception cref="ObjectDisposedException"><see cref="Grid"/> has been disposed.</exception>
    /// <exception cref="MpiException">MPI reported an error.</exception>
    public void ExchangeGhosts()
    {
        int g = GhostWidth;
        if (g == 0)
            return;
        var storage = _storage.AsSpan();
        if (_dimensions == 1)
        {
            // [ghosts g | block n | ghosts g]: the edges go out and the ghosts come in where they lie.
            SendReceive(storage.Slice(g, g), _left, storage.Slice(g + _columns, g), _right, TagColumnsToLow);
            SendReceive(storage.Slice(_columns, g), _right, storage[..g], _left, TagColumnsToHigh);
            return;
        }
        ExchangeColumns(g);
        // Whole stored rows, ghost columns included (filled just above): this carries the corners.
        int band = g * _stride;
        SendReceive(storage.Slice(StorageIndex(0, -g), band), _up,
            storage.Slice(StorageIndex(_rows, -g), band), _down, TagRowsToLow);
        SendReceive(storage.Slice(StorageIndex(_rows - g, -g), band), _down,
            storage.Slice(StorageIndex(-g, -g), band), _up, TagRowsToHigh);
    }

    private void ExchangeColumns(int g)
    {
        if (_left == Intercommunicator.Null && _right == Intercommunicator.Null)
            return;
        int count = _rows * g;
        var send = _columnSend ??= new T[count];
        var receive = _columnReceive ??= new T[count];
        PackColumns(0, send);
        SendReceive(send, _left, receive, _right, TagColumnsToLow);
        if (_right != Intercommunicator.Null)
            UnpackColumns(receive, _columns);
        PackColumns(_columns - g, send);
        SendReceive(send, _right, receive, _left, TagColumnsToHigh);
        if (_left != Intercommunicator.Null)
            UnpackColumns(receive, -g);
    }

    private void PackColumns(int firstColumn, Span<T> buffer)
    {
        int g = GhostWidth;
        for (int i = 0; i < _rows; i++)
            _storage.AsSpan(StorageIndex(i, firstColumn), g).CopyTo(buffer.Slice(i * g, g));
    }

    private void UnpackColumns(ReadOnlySpan<T> buffer, int firstColumn)
    {
        int g = GhostWidth;
        for (int i = 0; i < _rows; i++)
            buffer.Slice(i * g, g).CopyTo(_storage.AsSpan(StorageIndex(i, firstColumn), g));
    }

    /// <summary>Sends to <paramref name="dest"/> while receiving from <paramref name="source"/>; either may be MPI_PROC_NULL, which leaves its side untouched.</summary>
    private void SendReceive(ReadOnlySpan<T> send, int dest, Span<T> receive, int source, int tag)
    {
        if (dest == Intercommunicator.Null && source == Intercommunicator.Null)
            return;
        var datatype = DatatypeOf<T>.Handle;
        StatusBuffer status = default;
        fixed (T* s = send)
        fixed (T* r = receive)
        {
            Mpi.Check(Mpi.Sendrecv(s, send.Length, datatype, Ranks.ToNative(dest), tag,
                r, receive.Length, datatype, Ranks.ToNative(source), tag, Grid.LiveHandle, &status));
        }
    }
}
