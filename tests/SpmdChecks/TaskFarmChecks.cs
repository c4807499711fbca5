using System.Collections.Concurrent;
using System.Globalization;
using MPI;

namespace SpmdChecks;

/// <summary>
/// The task farm (TaskFarm&lt;TInput, TResult&gt;): order, completeness, chunking on the raw and serialized paths,
/// failures and retries, time limits, cancellation, progress, Submit, other coordinators, and workers released
/// whatever the coordinator does. Every case starts a farm on every rank; only the coordinator's part differs.
/// </summary>
internal static class TaskFarmChecks
{
    private static readonly int[] ChunkSizes = [1, 7, 0];

    /// <summary>A serialized (non-raw) input type.</summary>
    public sealed record Shape(string Name, int Sides);

    /// <summary>An input type whose values the serializer may refuse (a CancellationTokenSource).</summary>
    public sealed record Holder(CancellationTokenSource? Source);

    private static void Farm<TInput, TResult>(Intracommunicator c, Func<TInput, CancellationToken, TResult> function,
        TaskFarmOptions options, Action<TaskFarm<TInput, TResult>> coordinator)
    {
        using var farm = TaskFarm<TInput, TResult>.Start(c, function, options);
        Expect.Equal(farm.IsCoordinator, c.Rank == options.Coordinator);
        Expect.Equal(c.Size - 1 + (options.CoordinatorComputes || c.Size == 1 ? 1 : 0), farm.Workers);
        if (farm.IsCoordinator)
            coordinator(farm);
        else
            Expect.Throws<InvalidOperationException>(() => farm.Submit(default!));
    }

    [Check]
    public static void MapKeepsInputOrderOnRawAndSerializedPaths(Intracommunicator c)
    {
        foreach (int chunk in ChunkSizes)
        {
            var options = new TaskFarmOptions { ChunkSize = chunk };
            Farm<int, long>(c, (x, _) => (long)x * x, options, farm =>
            {
                var inputs = Enumerable.Range(-500, 1000).ToArray();
                Expect.Sequence(inputs.Select(x => (long)x * x), farm.Map(inputs));
                Expect.Equal(0, farm.Map([]).Length);
                Expect.Sequence([9L], farm.Map([3]));
            });
            Farm<Shape, string>(c, (s, _) => $"{s.Name}:{s.Sides}", options, farm =>
            {
                var shapes = Enumerable.Range(0, 300).Select(i => new Shape($"shape{i}", i % 9)).ToArray();
                Expect.Sequence(shapes.Select(s => $"{s.Name}:{s.Sides}"), farm.Map(shapes));
            });
            // Raw inputs with serialized results, and the other way round.
            Farm<double, string>(c, (x, _) => x.ToString(CultureInfo.InvariantCulture), options, farm =>
                Expect.Sequence(["0.5", "1.5", "2.5"], farm.Map([0.5, 1.5, 2.5])));
            Farm<string, int>(c, (s, _) => s.Length, options, farm =>
                Expect.Sequence([0, 1, 5], farm.Map(["", "a", "héllo"])));
            // Inputs and results far beyond one small message.
            Farm<double[], double[]>(c, (a, _) => [.. a.Select(x => -x)], options, farm =>
            {
                var arrays = Enumerable.Range(1, 6).Select(n => Enumerable.Range(0, n * 40_000).Select(i => (double)i).ToArray()).ToArray();
                var negated = farm.Map(arrays);
                Expect.Sequence(arrays.Select(a => a.Length), negated.Select(a => a.Length));
                Expect.True(negated.Zip(arrays).All(p => p.First[^1] == -p.Second[^1]));
            });
        }
        // The one-call form: every rank calls it, only the coordinator's inputs count.
        var squares = TaskFarm.Map(c, c.Rank == 0 ? Enumerable.Range(0, 100) : null, x => x * x,
            new TaskFarmOptions { ChunkSize = 0 });
        if (c.Rank == 0)
            Expect.Sequence(Enumerable.Range(0, 100).Select(x => x * x), squares);
        else
            Expect.Equal(0, squares.Length);
    }

    [Check]
    public static void MapUnorderedYieldsEveryTaskOnce(Intracommunicator c)
    {
        foreach (int chunk in ChunkSizes)
        {
            Farm<int, int>(c, (x, _) => x + 1, new TaskFarmOptions { ChunkSize = chunk, CoordinatorComputes = chunk == 7 }, farm =>
            {
                var seen = new HashSet<long>();
                var inputs = Enumerable.Range(0, 777).Select(i => i * 3).ToArray();
                foreach (var result in Collect(farm.MapUnordered(inputs)))
                {
                    Expect.True(seen.Add(result.Index));
                    Expect.True(result.Succeeded);
                    Expect.Equal(inputs[result.Index], result.Input);
                    Expect.Equal(inputs[result.Index] + 1, result.Value);
                    Expect.Equal(1, result.Attempts);
                    Expect.True(result.Rank >= 0 && result.Rank < c.Size);
                    Expect.True(result.Host.Length > 0);
                }
                Expect.Equal(inputs.Length, seen.Count);
                Expect.Equal(0, Collect(farm.MapUnordered([])).Count);
            });
        }
        // Leaving the enumeration early cancels the tasks not finished (these would run a minute otherwise).
        Farm<int, int>(c, (x, token) =>
        {
            if (x >= 10)
                token.WaitHandle.WaitOne(TimeSpan.FromMinutes(1));
            return x;
        }, new TaskFarmOptions { CoordinatorComputes = true }, farm =>
        {
            var enumerator = farm.MapUnordered(Enumerable.Range(0, 100)).GetAsyncEnumerator();
            for (int i = 0; i < 5; i++)
                Expect.True(enumerator.MoveNextAsync().AsTask().GetAwaiter().GetResult());
            enumerator.DisposeAsync().AsTask().GetAwaiter().GetResult();
            Expect.Sequence([1, 2], farm.Map([1, 2]));
        });
    }

    [Check]
    public static void SubmitReturnsEachTasksResult(Intracommunicator c)
    {
        Farm<Shape, int>(c, (s, _) => s.Sides * 2, new TaskFarmOptions { ChunkSize = 0 }, farm =>
        {
            var tasks = Enumerable.Range(0, 50).Select(i => farm.Submit(new Shape("s", i))).ToArray();
            Task.WaitAll(tasks);
            Expect.Sequence(Enumerable.Range(0, 50).Select(i => i * 2), tasks.Select(t => t.Result));
            // From many threads at once.
            var concurrent = new Task<int>[200];
            Parallel.For(0, concurrent.Length, i => concurrent[i] = farm.Submit(new Shape("t", i)));
            Expect.Sequence(Enumerable.Range(0, 200).Select(i => i * 2), concurrent.Select(t => t.Result));
            using var cancelled = new CancellationTokenSource();
            cancelled.Cancel();
            Expect.Throws<OperationCanceledException>(() => farm.Submit(new Shape("s", 1), cancelled.Token));
        });
    }

    [Check]
    public static void OtherCoordinatorsAndACoordinatorThatComputes(Intracommunicator c)
    {
        foreach (bool computes in new[] { false, true })
        {
            var options = new TaskFarmOptions { Coordinator = c.Size - 1, CoordinatorComputes = computes, ChunkSize = 3 };
            Farm<int, int>(c, (x, _) => x * 2, options, farm =>
            {
                var results = Collect(farm.MapUnordered(Enumerable.Range(0, 200)));
                Expect.Sequence(Enumerable.Range(0, 200).Select(x => x * 2), results.OrderBy(r => r.Index).Select(r => r.Value));
                if (!computes && c.Size > 1)
                    Expect.False(results.Any(r => r.Rank == options.Coordinator));
                if (c.Size == 1)
                    Expect.True(results.All(r => r.Rank == 0));
            });
        }
    }

    [Check]
    public static void FailuresAreRetriedOnAnotherRankAndReported(Intracommunicator c)
    {
        string directory = c.Rank == 0 ? Directory.CreateTempSubdirectory("farm-check-").FullName : "";
        c.Broadcast(ref directory, 0);
        try
        {
            // Input 5 fails on its first attempt only (the marker file records that rank); 9 always fails; 12 fails
            // once its attempts are used up.
            int Run(int x, CancellationToken token)
            {
                if (x == 5 && TryCreate(Path.Combine(directory, "five"), c.Rank))
                    throw new InvalidOperationException("first attempt of 5");
                if (x == 9)
                {
                    var failure = new ArgumentException($"nine is bad (rank {c.Rank})");
                    failure.Data["ErrorRecord"] = "a record";
                    failure.Data["Number"] = 42; // not a string: left out
                    throw failure;
                }
                return x * 10;
            }
            foreach (int chunk in ChunkSizes)
            {
                foreach (var file in Directory.GetFiles(directory))
                    File.Delete(file);
                Farm<int, int>(c, Run, new TaskFarmOptions { MaxRetries = 2, ChunkSize = chunk, CoordinatorComputes = true }, farm =>
                {
                    var inputs = Enumerable.Range(0, 20).ToArray();
                    var results = Collect(farm.MapUnordered(inputs)).OrderBy(r => r.Index).ToList();
                    Expect.Equal(20, results.Count);
                    var five = results[5];
                    Expect.True(five.Succeeded);
                    Expect.Equal(50, five.Value);
                    Expect.Equal(2, five.Attempts);
                    int firstRank = int.Parse(File.ReadAllText(Path.Combine(directory, "five")), CultureInfo.InvariantCulture);
                    if (farm.Workers > 1)
                        Expect.True(five.Rank != firstRank);
                    var nine = results[9];
                    Expect.False(nine.Succeeded);
                    var error = nine.Exception!;
                    Expect.Equal(9L, error.TaskIndex);
                    Expect.Equal(3, error.Attempts);
                    Expect.Equal(nine.Rank, error.Rank);
                    Expect.Equal(typeof(ArgumentException).FullName, error.RemoteExceptionType);
                    Expect.True(error.RemoteMessage.StartsWith("nine is bad (rank", StringComparison.Ordinal));
                    Expect.True(error.RemoteStackTrace!.Contains(nameof(FailuresAreRetriedOnAnotherRankAndReported), StringComparison.Ordinal));
                    Expect.Equal("a record", error.RemoteData["ErrorRecord"]);
                    Expect.False(error.RemoteData.ContainsKey("Number"));
                    Expect.True(error.Message.StartsWith($"Task 9 failed on rank {error.Rank} ({error.Host}) after 3 attempt(s): nine is bad", StringComparison.Ordinal));
                    Expect.True(results.Where(r => r.Index != 9).All(r => r.Succeeded && r.Value == r.Input * 10));

                    // Map throws the lowest-index failure once everything ended; Submit faults its task.
                    var thrown = Expect.Throws<TaskFailedException>(() => farm.Map([1, 9, 2, 9]));
                    Expect.Equal(1L, thrown.TaskIndex);
                    var submitted = farm.Submit(9);
                    var fault = Expect.Throws<AggregateException>(() => submitted.Wait());
                    Expect.True(fault.InnerException is TaskFailedException { Attempts: 3 });
                });
            }
            // Without retries the first failure is final.
            Farm<int, int>(c, (x, _) => x == 3 ? throw new FormatException("three") : x, new TaskFarmOptions(), farm =>
            {
                var error = Expect.Throws<TaskFailedException>(() => farm.Map(Enumerable.Range(0, 10)));
                Expect.Equal(3L, error.TaskIndex);
                Expect.Equal(1, error.Attempts);
                Expect.Equal("System.FormatException", error.RemoteExceptionType);
            });
        }
        finally
        {
            c.Barrier();
            if (c.Rank == 0)
                Directory.Delete(directory, recursive: true);
        }
    }

    [Check]
    public static void TimeLimitCancelsTheTasksToken(Intracommunicator c)
    {
        var options = new TaskFarmOptions { TaskTimeLimit = TimeSpan.FromMilliseconds(300), MaxRetries = 1, CoordinatorComputes = true };
        Farm<int, int>(c, (x, token) =>
        {
            if (x == 1)
                Task.Delay(TimeSpan.FromMinutes(1), token).Wait(token); // honours its token
            if (x == 2)
                Thread.Sleep(700); // ignores it: runs to its end, and fails all the same
            if (x == 4)
            {
                // Stops at its limit and says what it had done so far.
                token.WaitHandle.WaitOne(TimeSpan.FromMinutes(1));
                throw new OperationCanceledException(token) { Data = { ["Output"] = "half done" } };
            }
            return x;
        }, options, farm =>
        {
            var results = Collect(farm.MapUnordered([0, 1, 2, 3, 4])).OrderBy(r => r.Index).ToList();
            Expect.Sequence([true, false, false, true, false], results.Select(r => r.Succeeded));
            foreach (var late in results.Where(r => !r.Succeeded))
            {
                Expect.Equal("System.TimeoutException", late.Exception!.RemoteExceptionType);
                Expect.True(late.Exception.RemoteMessage.Contains("time limit of 0.3 s", StringComparison.Ordinal), late.Exception.RemoteMessage);
                Expect.Equal(2, late.Attempts);
            }
            Expect.Equal("half done", results[4].Exception!.RemoteData["Output"]);
        });
    }

    [Check]
    public static void CancellationDropsWaitingTasksAndCancelsRunningOnes(Intracommunicator c)
    {
        var started = new ConcurrentBag<int>();
        Farm<int, int>(c, (x, token) =>
        {
            if (x >= 0)
                token.WaitHandle.WaitOne(TimeSpan.FromMinutes(1)); // runs until cancelled
            return x;
        }, new TaskFarmOptions { CoordinatorComputes = true }, farm =>
        {
            using var source = new CancellationTokenSource(TimeSpan.FromMilliseconds(200));
            Expect.Throws<OperationCanceledException>(() => farm.Map(Enumerable.Range(0, 1000), source.Token));
            using var again = new CancellationTokenSource(TimeSpan.FromMilliseconds(200));
            var submitted = farm.Submit(5, again.Token);
            var fault = Expect.Throws<AggregateException>(() => submitted.Wait());
            Expect.True(fault.InnerException is TaskCanceledException);
            using var third = new CancellationTokenSource(TimeSpan.FromMilliseconds(200));
            Expect.Throws<OperationCanceledException>(() => Collect(farm.MapUnordered(Enumerable.Range(0, 100), third.Token)));
            // The farm goes on: the cancelled chunks' replies are dropped, later calls get their own results.
            Expect.Sequence([-1, -2, -3], farm.Map([-1, -2, -3]));
        });
    }

    /// <summary>
    /// The program's own messages on the communicator a farm is started on arrive whole: one under way when the farm
    /// starts, and one sent after it into a receive posted before. The farm's communicator must be made without
    /// messages on the caller's (Open MPI's MPI_Comm_create_group sends its own there with its tag: they cut the
    /// first message and the posted receive took theirs, so the farm never started).
    /// </summary>
    [Check]
    public static void MessagesOnTheCallersCommunicatorArriveWhole(Intracommunicator c)
    {
        if (c.Size == 1)
            return;
        int last = c.Size - 1;
        int[] early = [1, 2, 3], late = [4, 5, 6, 7];
        if (c.Rank == last)
            c.Send(early, 0, 0);
        Farm<int, int>(c, (x, _) => 2 * x, new TaskFarmOptions(), farm => Expect.Sequence([2, 4, 6], farm.Map([1, 2, 3])));
        if (c.Rank == 0)
            Expect.Sequence(early, c.Receive<int[]>(last, 0));

        var posted = new int[late.Length];
        var receive = c.Rank == 0 ? c.ImmediateReceive(last, 0, posted) : null;
        Farm<int, int>(c, (x, _) => x + 1, new TaskFarmOptions(), farm => Expect.Sequence([2], farm.Map([1])));
        if (c.Rank == last)
            c.Send(late, 0, 0);
        receive?.Wait();
        if (c.Rank == 0)
            Expect.Sequence(late, posted);
    }

    [Check]
    public static void ProgressCountsEveryTask(Intracommunicator c)
    {
        var reports = new List<TaskFarmProgress>();
        var options = new TaskFarmOptions { Progress = new Recorder(reports), MaxRetries = 1, ChunkSize = 4 };
        Farm<int, int>(c, (x, _) => x == 13 ? throw new InvalidOperationException("13") : x, options, farm =>
        {
            Expect.Throws<TaskFailedException>(() => farm.Map(Enumerable.Range(0, 100)));
            Expect.Equal(7, farm.Submit(7).Result);
        });
        if (c.Rank != 0)
            return;
        Expect.Equal(new TaskFarmProgress(101, 100, 1, 1, 0), reports[^1]);
        Expect.True(reports.Zip(reports.Skip(1)).All(p => p.Second.Completed >= p.First.Completed && p.Second.Submitted >= p.First.Submitted));
    }

    [Check]
    public static void WorkersAreReleasedWhateverTheCoordinatorDoes(Intracommunicator c)
    {
        // The coordinator's code throws with tasks still submitted: Dispose (in the using) lets them end and
        // releases the workers, whose Start returns.
        var thrown = false;
        try
        {
            Farm<int, int>(c, (x, _) => x, new TaskFarmOptions(), farm =>
            {
                farm.Submit(1);
                throw new InvalidDataException("the coordinator's own failure");
            });
        }
        catch (InvalidDataException)
        {
            thrown = true;
        }
        Expect.Equal(c.Rank == 0, thrown);

        // The coordinator's dispatch thread fails (here its progress callback throws): the calls waiting and those
        // after fail with that exception, and the workers are released all the same.
        Farm<int, int>(c, (x, _) => x, new TaskFarmOptions { Progress = new Throwing() }, farm =>
        {
            var failure = Expect.Throws<InvalidOperationException>(() => farm.Map(Enumerable.Range(0, 10)));
            Expect.Equal(Throwing.Message, failure.Message);
            Expect.True(farm.Submit(1).IsFaulted);
        });

        // An input that cannot be serialized fails the call, naming its index; nothing ran, the farm goes on.
        Farm<Holder, int>(c, (h, _) => h.Source is null ? 1 : 2, new TaskFarmOptions(), farm =>
        {
            using var source = new CancellationTokenSource(); // the serializer refuses it
            var bad = Expect.Throws<ArgumentException>(() => farm.Map([new Holder(null), new Holder(source)]));
            Expect.True(bad.Message.StartsWith("Input 1 ", StringComparison.Ordinal));
            Expect.Throws<ArgumentException>(() => farm.MapUnordered([new Holder(source)]));
            Expect.Throws<ArgumentException>(() => farm.Submit(new Holder(source)));
            Expect.Sequence([1], farm.Map([new Holder(null)]));
        });

        // Bad options fail on every rank alike, before anything is sent.
        Expect.Throws<ArgumentOutOfRangeException>(() => TaskFarm<int, int>.Start(c, x => x, new TaskFarmOptions { Coordinator = c.Size }));
        Expect.Throws<ArgumentOutOfRangeException>(() => TaskFarm<int, int>.Start(c, x => x, new TaskFarmOptions { ChunkSize = -1 }));
    }

    private static bool TryCreate(string path, int rank)
    {
        try
        {
            using var file = new FileStream(path, FileMode.CreateNew, FileAccess.Write);
            file.Write(System.Text.Encoding.UTF8.GetBytes(rank.ToString(CultureInfo.InvariantCulture)));
            return true;
        }
        catch (IOException)
        {
            return false;
        }
    }

    private static List<T> Collect<T>(IAsyncEnumerable<T> source)
    {
        var list = new List<T>();
        var enumerator = source.GetAsyncEnumerator();
        try
        {
            while (enumerator.MoveNextAsync().AsTask().GetAwaiter().GetResult())
                list.Add(enumerator.Current);
        }
        finally
        {
            enumerator.DisposeAsync().AsTask().GetAwaiter().GetResult();
        }
        return list;
    }

    private sealed class Throwing : IProgress<TaskFarmProgress>
    {
        public const string Message = "the progress callback failed";

        public void Report(TaskFarmProgress value) => throw new InvalidOperationException(Message);
    }

    private sealed class Recorder(List<TaskFarmProgress> reports) : IProgress<TaskFarmProgress>
    {
        public void Report(TaskFarmProgress value)
        {
            lock (reports)
                reports.Add(value);
        }
    }
}
