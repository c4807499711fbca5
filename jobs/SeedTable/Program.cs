Console.Error.WriteLine("SeedTable: not written yet (issue 16).");
return 1;
