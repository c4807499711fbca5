using System.Runtime.CompilerServices;

namespace SpmdChecks;

/// <summary>Small assertions for checks that run inside MPI ranks (NUnit is not loaded there).</summary>
internal static class Expect
{
    public static void Equal<T>(T expected, T actual,
        [CallerArgumentExpression(nameof(actual))] string what = "")
    {
        if (!EqualityComparer<T>.Default.Equals(expected, actual))
            throw new CheckFailedException($"{what}: expected {Show(expected)}, got {Show(actual)}");
    }

    public static void Sequence<T>(IEnumerable<T> expected, IEnumerable<T>? actual,
        [CallerArgumentExpression(nameof(actual))] string what = "")
    {
        if (actual is null || !expected.SequenceEqual(actual))
            throw new CheckFailedException(
                $"{what}: expected [{string.Join(", ", expected)}], got {(actual is null ? "null" : $"[{string.Join(", ", actual)}]")}");
    }

    public static void False(bool condition, [CallerArgumentExpression(nameof(condition))] string what = "")
    {
        if (condition)
            throw new CheckFailedException($"expected not {what}");
    }

    public static void True(bool condition, [CallerArgumentExpression(nameof(condition))] string what = "")
    {
        if (!condition)
            throw new CheckFailedException($"expected {what}");
    }

    public static TException Throws<TException>(Action action, [CallerArgumentExpression(nameof(action))] string what = "")
        where TException : Exception
    {
        try
        {
            action();
        }
        catch (TException expected)
        {
            return expected;
        }
        catch (Exception other)
        {
            throw new CheckFailedException($"{what}: expected {typeof(TException).Name}, got {other.GetType().Name}: {other.Message}");
        }
        throw new CheckFailedException($"{what}: expected {typeof(TException).Name}, nothing was thrown");
    }

    private static string Show<T>(T value) => value is null ? "null" : $"{value}";
}
