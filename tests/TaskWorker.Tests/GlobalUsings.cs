global using NUnit.Framework;
global using Tests.Support;
