namespace Framework.Tests;

/// <summary>
/// Members that read MPI before any <see cref="MPI.Environment"/> exists throw <see cref="InvalidOperationException"/>
/// instead of calling an unresolved entry point, which would crash the process. This test process never loads MPI.
/// </summary>
[TestFixture]
public sealed class BeforeInitializationTests
{
    private static IEnumerable<TestCaseData> Members()
    {
        yield return new TestCaseData(new Func<object>(() => MPI.Environment.Time)).SetName("Time");
        yield return new TestCaseData(new Func<object>(() => MPI.Environment.TimeResolution)).SetName("TimeResolution");
        yield return new TestCaseData(new Func<object>(() => MPI.Environment.IsMainThread)).SetName("IsMainThread");
        yield return new TestCaseData(new Func<object>(() => MPI.Environment.ProcessorName)).SetName("ProcessorName");
        yield return new TestCaseData(new Func<object>(() => MPI.Environment.IsTimeGlobal)).SetName("IsTimeGlobal");
        yield return new TestCaseData(new Func<object>(() => MPI.Environment.TranslateErrorIntoException(1)))
            .SetName("TranslateErrorIntoException");
    }

    [TestCaseSource(nameof(Members))]
    public void ThrowsInvalidOperationNamingTheEnvironment(Func<object> member)
    {
        var error = Assert.Throws<InvalidOperationException>(() => member());
        Assert.That(error!.Message, Does.Contain("MPI.Environment"));
    }
}
