namespace Solti.Matrix.Tests;

/// <summary>The one reading of the moments and sizes operators give admin operations (<see cref="AdminArguments"/>), and
/// the purge point built on it (<see cref="PurgePoint"/>): the same text means the same time in every module and command.</summary>
[Trait("tier", "unit")]
public sealed class AdminArgumentsTests
{
    private static readonly DateTimeOffset Now = new(2026, 12, 7, 12, 0, 0, TimeSpan.Zero);

    [Theory]
    [InlineData("30d", -30L * 86_400_000)]
    [InlineData("12h", -12L * 3_600_000)]
    [InlineData("90m", -90L * 60_000)]
    [InlineData("2w", -14L * 86_400_000)]
    [InlineData(" 1y ", -365L * 86_400_000)]
    public void A_duration_is_counted_back_from_now_for_a_moment_and_forward_for_an_expiry(string text, long offset)
    {
        Assert.Equal(Now.ToUnixTimeMilliseconds() + offset, AdminArguments.Moment(text, Now, out var problem));
        Assert.Null(problem);
        Assert.Equal(Now.ToUnixTimeMilliseconds() - offset, AdminArguments.Expiry(text, Now, out _));
    }

    [Fact]
    public void Milliseconds_and_dates_are_absolute_and_a_timestamp_in_seconds_is_refused_saying_so()
    {
        Assert.Equal(1_700_000_000_000, AdminArguments.Moment("1700000000000", Now, out _));
        Assert.Equal(new DateTimeOffset(2026, 1, 31, 0, 0, 0, TimeSpan.Zero).ToUnixTimeMilliseconds(), AdminArguments.Moment("2026-01-31", Now, out _));
        Assert.Equal(new DateTimeOffset(2026, 1, 31, 10, 0, 0, TimeSpan.Zero).ToUnixTimeMilliseconds(), AdminArguments.Moment("2026-01-31T12:00:00+02:00", Now, out _));

        Assert.Null(AdminArguments.Moment("1700000000", Now, out var seconds));
        Assert.Contains("before 1971", seconds, StringComparison.Ordinal);
        foreach (var bad in new[] { "", "soon", "30x", "-5d", "d" })
        {
            Assert.Null(AdminArguments.Moment(bad, Now, out var problem));
            Assert.Contains("expected", problem, StringComparison.Ordinal);
        }
    }

    [Theory]
    [InlineData("512", 512L)]
    [InlineData("10K", 10L * 1024)]
    [InlineData("10M", 10L * 1024 * 1024)]
    [InlineData("2GiB", 2L * 1024 * 1024 * 1024)]
    [InlineData("3mb", 3L * 1024 * 1024)]
    public void Sizes_take_k_m_and_g_as_powers_of_1024(string text, long bytes) => Assert.Equal(bytes, AdminArguments.Bytes(text, out _));

    [Fact]
    public void A_bad_size_names_what_was_expected()
    {
        Assert.Null(AdminArguments.Bytes("ten", out var problem));
        Assert.Contains("expected a number of bytes", problem, StringComparison.Ordinal);
    }

    [Fact]
    public void A_purge_point_is_an_event_id_or_a_moment_read_the_same_way()
    {
        Assert.Equal(new PurgePoint("$abc:example.com", null), PurgePoint.Parse("$abc:example.com", Now));
        Assert.Equal(new PurgePoint(null, AdminArguments.Moment("30d", Now, out _)), PurgePoint.Parse("30d", Now));
        Assert.Null(PurgePoint.Parse("$has space", Now));
        Assert.Null(PurgePoint.Parse("yesterday", Now));
        Assert.Null(PurgePoint.Parse("1700000000", Now));
    }
}
