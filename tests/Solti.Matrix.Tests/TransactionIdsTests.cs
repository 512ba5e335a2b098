using Solti.Matrix.Sending;

namespace Solti.Matrix.Tests;

[Trait("tier", "unit")]
public sealed class TransactionIdsTests
{
    [Fact]
    public void Minted_ids_are_unique_and_safe_in_a_path_segment()
    {
        var ids = Enumerable.Range(0, 20_000).Select(_ => TransactionIds.New()).ToList();

        Assert.Equal(ids.Count, ids.Distinct(StringComparer.Ordinal).Count());
        Assert.All(ids, id => Assert.Matches("^solti-[0-9]{13}-[0-9a-f]{12}$", id));
    }
}
