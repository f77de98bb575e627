using System.Reflection;

namespace ChatMesh.Gateway.Tests.WebSockets;

/// <summary>
/// A stand-in for a dependency the unit under test barely touches: only the named methods answer; anything else
/// fails the test loudly. (End-to-end tests cover the real services.)
/// </summary>
public class Stub<T> : DispatchProxy where T : class
{
    private Dictionary<string, Func<object?[]?, object?>> _handlers = [];

    public static T Create(Dictionary<string, Func<object?[]?, object?>> handlers)
    {
        var proxy = Create<T, Stub<T>>();
        ((Stub<T>)(object)proxy)._handlers = handlers;
        return proxy;
    }

    protected override object? Invoke(MethodInfo? targetMethod, object?[]? args) =>
        targetMethod is not null && _handlers.TryGetValue(targetMethod.Name, out var handler)
            ? handler(args)
            : throw new InvalidOperationException($"{typeof(T).Name}.{targetMethod?.Name} was not expected in this test.");
}
