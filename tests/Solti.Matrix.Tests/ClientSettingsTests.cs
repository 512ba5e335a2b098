namespace Solti.Matrix.Tests;

/// <summary>The one settings → client rule the CLI and the modules share, with the limit that differs on purpose.</summary>
[Trait("tier", "unit")]
public sealed class ClientSettingsTests
{
    private static readonly Uri Hs = new("https://matrix.example.com");

    [Fact]
    public void The_budget_and_the_longest_wait_follow_the_timeout_unless_given()
    {
        var derived = new ClientSettings(Hs) { Timeout = 2 }.Options();
        Assert.Equal((TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(6), TimeSpan.FromSeconds(5)), (derived.RequestTimeout, derived.Retry.TotalBudget, derived.Retry.MaxDelay));

        var given = new ClientSettings(Hs) { Timeout = 30, Budget = 90, MaxWait = 45, ValidateCertificates = false, UserAgent = "x/1" }.Options();
        Assert.Equal((TimeSpan.FromSeconds(90), TimeSpan.FromSeconds(45), false, "x/1"), (given.Retry.TotalBudget, given.Retry.MaxDelay, given.ValidateCertificates, given.UserAgent));
        Assert.Equal(new Uri("https://matrix.example.com/"), given.Homeserver);
    }

    [Theory]
    [InlineData(86400, 86400, null)]
    [InlineData(86400, 86401, "--timeout must be a number of seconds between 0 and 86400, got 86401")]
    [InlineData(3600, 3601, "--timeout must be a number of seconds between 0 and 3600, got 3601")]
    [InlineData(3600, 0, "--timeout must be a number of seconds between 0 and 3600, got 0")]
    public void A_setting_out_of_range_is_refused_naming_it_as_the_caller_spells_it(double max, double timeout, string? error)
    {
        var settings = new ClientSettings(Hs) { Timeout = timeout, MaxSeconds = max, Names = ("--timeout", "--budget", "--max-wait") };
        if (error is null)
        {
            Assert.Equal(TimeSpan.FromSeconds(timeout), settings.Options().RequestTimeout);
        }
        else
        {
            Assert.Equal(error, Assert.Throws<ArgumentException>(() => settings.Options()).Message);
        }
    }

    [Fact]
    public void A_given_budget_out_of_range_is_refused_by_its_own_name()
    {
        var e = Assert.Throws<ArgumentException>(() => new ClientSettings(Hs) { Budget = -1, Names = ("timeout", "--budget", "max") }.Options());
        Assert.StartsWith("--budget must be", e.Message, StringComparison.Ordinal);
    }
}
